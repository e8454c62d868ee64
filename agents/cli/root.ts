import fs from "node:fs";
import path from "node:path";

/** The project root: the nearest folder above this file with a hardhat.config.ts. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "hardhat.config.ts"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the project root (hardhat.config.ts)");
    dir = up;
  }
  return dir;
}
