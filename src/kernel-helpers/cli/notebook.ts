// `npm run notebook`: opens Jupyter (JupyterLab, else classic Notebook) in notebooks/.
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { findJupyterPython, jupyterCommand, ROOT } from "./jupyter";

function main(): void {
  const python = findJupyterPython();
  const jupyter = python ? jupyterCommand(python) : "jupyter";
  const app = ["lab", "notebook"].find((name) => spawnSync(jupyter, [name, "--version"], { stdio: "ignore" }).status === 0);
  if (!app) {
    console.error("notebook: neither JupyterLab nor Jupyter Notebook is installed (pip install jupyterlab, or apt-get install jupyter-notebook); then run `npm run kernel:install`.");
    process.exitCode = 1;
    return;
  }
  const child = spawn(jupyter, [app, ...process.argv.slice(2)], { cwd: path.join(ROOT, "notebooks"), stdio: "inherit" });
  child.on("exit", (code) => (process.exitCode = code ?? 0));
}

main();
