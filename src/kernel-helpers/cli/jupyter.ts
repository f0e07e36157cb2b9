// Finding the system's Jupyter: the Python that has jupyter_client (Debian's /usr/bin/python3 first,
// since a pyenv or venv python3 earlier on PATH usually lacks it) and the tslab launcher.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../engine/package-root";

export const ROOT = packageRoot();
export const TSLAB = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");

/** The first Python that can import jupyter_client, or undefined. */
export function findJupyterPython(): string | undefined {
  const candidates = [process.env.MSD_LAB_PYTHON, "/usr/bin/python3", "python3", "python"].filter((c): c is string => !!c);
  return candidates.find((python) => spawnSync(python, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0);
}

/** The `jupyter` command next to that Python, else the one on PATH. */
export function jupyterCommand(python: string): string {
  const sibling = path.join(path.dirname(python), "jupyter");
  return path.isAbsolute(python) && fs.existsSync(sibling) ? sibling : "jupyter";
}
