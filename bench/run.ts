// Engine benchmark (DESIGN §9): the same scenes on msd-lab, Rapier and cannon-es in one process.
//   npm run bench [-- --scenes drop,pile-100 --engines msd-lab,rapier --runs 3 --streaming]
// Prints a table (ms/step, ratio to Rapier, stability) and the binding micro-benchmarks, and
// writes bench/results/latest.json (--out PATH elsewhere, --no-out not at all). --streaming also
// runs the streaming benchmark (bench/streaming.ts) afterwards.
import { spawn } from "child_process";
import * as path from "path";
import { packageRoot } from "../src/engine/package-root";
import { parseArgs, runBench } from "./harness";

function runStreaming(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, "streaming.js")], { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`streaming benchmark exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2), path.join(packageRoot(), "bench", "results", "latest.json"));
  const report = await runBench(options);
  console.log("");
  console.log("ratio = ms/step ÷ Rapier's on the same scene (below 1: faster than Rapier); settled = every cube asleep or slower than 0.05 m/s after the last step");
  console.log(report.table);
  console.log("");
  console.log(`engine bench took ${report.totalS.toFixed(1)} s on ${report.machine}`);
  const { start, end } = report.loadAverage;
  const busy = Math.max(start, end) > 1.5 ? " — other work was running on this machine: the timings are noisy" : "";
  console.log(`1-minute load average: ${start.toFixed(2)} at start, ${end.toFixed(2)} at end${busy}`);
  if (options.out !== undefined) {
    const relative = path.relative(process.cwd(), options.out);
    console.log(`results written to ${relative && !relative.startsWith("..") ? relative : path.resolve(options.out)}`);
  }
  if (options.streaming) {
    console.log("");
    await runStreaming();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
