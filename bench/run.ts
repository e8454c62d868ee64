/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn (or those named on the command line), each as its own
 * process so one benchmark's memory does not skew the next. Each writes `bench/results/<name>.json`;
 * bench/README.md summarises the recorded figures.
 *
 * Usage: npm run bench [-- <name> ...]   e.g. npm run bench -- storage-protocol
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const dir = __dirname;
// Benchmarks against the official SDKs live in interop/ beside the package that pins them.
const dirs = [dir, path.join(dir, "..", "interop")];
const files = new Map<string, string>();
for (const d of dirs) {
  for (const f of fs.readdirSync(d))
    if (f.endsWith(".bench.ts")) files.set(f.replace(/\.bench\.ts$/, ""), path.join(d, f));
}
const wanted = process.argv.slice(2);
const all = [...files.keys()].sort();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
const tsx = path.join(dir, "..", "node_modules", ".bin", "tsx");
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(tsx, [files.get(name)!], { stdio: "inherit", cwd: path.join(dir, "..") });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${name} failed with exit code ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
