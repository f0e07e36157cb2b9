// The hidden temporary files recordings are built in (`.<name>.<pid>.<random>.partial`, next to
// the final file) and the sweep that removes those left behind by processes that no longer run
// (a crash, a kill): see docs/recording-format.md.
import * as crypto from "crypto";
import * as fs from "fs";
import * as nodePath from "path";

/** `.<name>.<pid>.<12 hex digits>.partial`; the pid is that of the process writing it. */
const PARTIAL_NAME = /^\.(.+)\.(\d{1,10})\.([0-9a-f]{12})\.partial$/;

/** A new temporary name for building `final` in, in the same directory, owned by this process. */
export function temporaryPath(final: string): string {
  return nodePath.join(nodePath.dirname(final), `.${nodePath.basename(final)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.partial`);
}

/** The pid in a temporary file's name, or undefined when `name` is not one. */
export function partialOwner(name: string): number | undefined {
  const match = PARTIAL_NAME.exec(name);
  if (!match) return undefined;
  const pid = Number(match[2]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this id runs on this machine (one we may not signal counts as running). */
export function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files in `directory` whose writing process no longer runs; returns their
 * names. Only plain files with the temporary name pattern are touched (never links, directories or
 * anything else); a directory that cannot be read is left alone.
 */
export function sweepStalePartials(directory: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = partialOwner(name);
    if (pid === undefined || processRuns(pid)) continue;
    const file = nodePath.join(directory, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.rmSync(file);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}
