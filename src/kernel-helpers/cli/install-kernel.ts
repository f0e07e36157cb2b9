// `npm run kernel:install`: registers the tslab kernel (named "tslab") with the system Jupyter, for
// the current user, launching this checkout's tslab (so no global npm install is needed).
// `--prefix DIR` installs under DIR/share/jupyter/kernels instead (used by the tests).
import { spawnSync } from "child_process";
import * as fs from "fs";
import { findJupyterPython, TSLAB } from "./jupyter";

function main(argv: string[]): number {
  const python = findJupyterPython();
  if (!python) {
    console.error("kernel:install: no Python with Jupyter found. Install it (Debian: apt-get install jupyter-nbconvert python3-ipykernel, or jupyter-notebook) or set MSD_LAB_PYTHON.");
    return 1;
  }
  if (!fs.existsSync(TSLAB)) {
    console.error(`kernel:install: tslab is not installed at ${TSLAB}; run npm install first.`);
    return 1;
  }
  const prefixAt = argv.indexOf("--prefix");
  const prefix = prefixAt >= 0 ? argv[prefixAt + 1] : undefined;
  if (prefixAt >= 0 && (!prefix || prefix.startsWith("--"))) {
    console.error("kernel:install: --prefix needs a directory (usage: kernel:install [--prefix DIR])");
    return 2;
  }
  const where = prefix ? ["--prefix", prefix] : ["--user"];
  const result = spawnSync(process.execPath, [TSLAB, "install", `--python=${python}`, `--binary=${TSLAB}`, ...where], { stdio: "inherit" });
  if (result.status !== 0) return result.status ?? 1;
  console.log(`Registered the "tslab" kernel (TypeScript) with ${python}; open notebooks/ with \`npm run notebook\`.`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
