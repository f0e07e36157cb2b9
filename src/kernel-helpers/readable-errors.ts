// In a notebook, tslab prints a failed cell's error with console.error(error): for an error thrown
// inside msd-lab that is the library's own source line, a caret and a stack of its internals. Users
// need the message (it names the problem), so errors whose top frame is in this package (or in
// tslab itself) print as "Error: message" plus the caller's own frames, if any: a cell's frames are
// positions in tslab's compiled JavaScript ("evalmachine.<anonymous>"), which would only mislead,
// so they are left out too. tslab's console is captured before any cell runs, so the hook is on
// the formatting (util.inspect).
import * as path from "path";
import { inspect } from "util";
import { packageRoot } from "../engine/package-root";

const LIBRARY_DIRS = [path.join(packageRoot(), "dist") + path.sep, `${path.sep}node_modules${path.sep}`];
const MAX_USER_FRAMES = 3;

let installed = false;

/** Makes errors from msd-lab print readably (once; other errors print as before). */
export function installReadableErrors(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(Error.prototype, inspect.custom, {
    configurable: true,
    writable: true,
    value: function (this: Error, _depth: number, options: object, format: typeof inspect): string {
      return thrownByLibrary(this) ? readable(this) : format(this, { ...options, customInspect: false });
    },
  });
}

function frames(error: Error): string[] {
  return (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
}

function isLibraryFrame(frame: string): boolean {
  return frame.includes("node:internal") || LIBRARY_DIRS.some((dir) => frame.includes(dir)) || !frame.includes(path.sep);
}

/** Native errors have no frame of their own: the first frame is then the library call that made them. */
function thrownByLibrary(error: Error): boolean {
  const first = frames(error)[0];
  return first !== undefined && isLibraryFrame(first) && first.includes(packageRoot());
}

export function readable(error: Error): string {
  const user = frames(error).filter((f) => !isLibraryFrame(f)).slice(0, MAX_USER_FRAMES);
  return [`${error.name}: ${error.message}`, ...user].join("\n");
}
