#!/usr/bin/env node
/**
 * Runs both test suites (contracts with `hardhat test`, agents with vitest), streams their output, and ends
 * with the one line CI reads: `N passed, N failed` (the real totals of both runners). Exits non-zero if
 * either runner failed or reported a failure.
 *
 * Usage: node scripts/test-all.cjs [--contracts-only | --agents-only]
 */
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(cmd, args, env) {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

// Strip ANSI colour codes before parsing the summaries.
const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

async function contracts() {
  const { code, out } = await run(bin("hardhat"), ["test"], { FORCE_COLOR: "0" });
  const text = plain(out);
  const passing = Number((text.match(/^\s*(\d+) passing/m) || [])[1] || 0);
  const failing = Number((text.match(/^\s*(\d+) failing/m) || [])[1] || 0);
  // A crash before mocha's summary still counts as a failure.
  const failed = failing || (code !== 0 ? 1 : 0);
  return { passed: passing, failed, code };
}

async function agents() {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-vitest-")), "report.json");
  const { code } = await run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {});
  let passed = 0;
  let failed;
  try {
    const r = JSON.parse(fs.readFileSync(report, "utf8"));
    passed = r.numPassedTests;
    failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    // Suites that failed to load report no tests; count each as one failure.
    for (const s of r.testResults || []) if (s.status === "failed" && (!s.assertionResults || !s.assertionResults.length)) failed += 1;
  } catch {
    failed = 1;
  }
  if (code !== 0 && failed === 0) failed = 1;
  return { passed, failed, code };
}

/** The interop package pins the official SDKs (and their own ethers); install it on first use. */
async function ensureInterop() {
  if (fs.existsSync(path.join(root, "interop", "node_modules", ".package-lock.json"))) return;
  console.log("test: installing interop/ (official 0G SDKs)");
  const { code } = await run("npm", ["ci", "--prefix", "interop", "--no-audit", "--no-fund"], {});
  if (code !== 0) throw new Error("npm ci --prefix interop failed");
}

(async () => {
  const which = process.argv[2];
  if (which !== "--contracts-only") await ensureInterop();
  const results = [];
  if (which !== "--agents-only") results.push(await contracts());
  if (which !== "--contracts-only") results.push(await agents());
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0);
})();
