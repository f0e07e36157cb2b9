// Some tests run compiled JavaScript (the live server's worker threads, the `npm start` CLI, the
// TypeScript 5.0 declaration check), so dist/ must match src/: rebuild it when any source is newer.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function setup(): void {
  const marker = path.join(root, "dist", "src", "index.js");
  const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const sources = Math.max(...["src", "bench", "examples"].map((dir) => newestMtime(path.join(root, dir))));
  if (built >= sources) return;
  console.log("global setup: dist/ is older than src/, running tsc");
  execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(root, "tsconfig.json")], { stdio: "inherit" });
  // tsc leaves unchanged outputs alone; touch the marker so the next run sees a fresh build.
  const now = new Date();
  fs.utimesSync(marker, now, now);
}
