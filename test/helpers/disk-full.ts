// A full disk, for tests of what recordings do then: a child node process whose files may not grow
// past 2 MB (`ulimit -f`, in 512-byte blocks), and the error a recording reports when it hits that.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** The built package, for `require` in a child's script. */
export const DIST_INDEX = path.join(ROOT, "dist", "src", "index.js");

/** How a recording into `…/r.db` fails on a full disk (a pattern's source, to embed in others). */
export const DISK_FULL_ERROR = String.raw`recording ".*r\.db" failed: (the disk is full \(SQLITE_FULL\)|an input\/output error .*\(SQLITE_IOERR.*\))`;

/** Writes `source` (CommonJS) to `scriptPath`, runs it with files limited to 2 MB, and returns what it printed. */
export function runWithFullDisk(scriptPath: string, source: string): string {
  fs.writeFileSync(scriptPath, source);
  return execFileSync("bash", ["-c", `ulimit -f 4096; exec "${process.execPath}" "${scriptPath}"`], { encoding: "utf8", timeout: 60_000 });
}
