import * as fs from "fs";
import * as path from "path";

let cached: string | undefined;

/** The directory holding msd-lab's package.json, found by walking up from this file (works from src/ and dist/src/). */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(manifest, "utf8"));
        if (typeof parsed === "object" && parsed !== null && (parsed as { name?: unknown }).name === "msd-lab") {
          cached = dir;
          return dir;
        }
      } catch {
        // An unreadable or invalid package.json is not ours; keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the msd-lab package root above ${__dirname}`);
    dir = parent;
  }
}

let version: string | undefined;

/** msd-lab's version, from its package.json. */
export function packageVersion(): string {
  if (version !== undefined) return version;
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  version = manifest.version ?? "0.0.0";
  return version;
}
