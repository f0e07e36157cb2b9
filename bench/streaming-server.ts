// The server half of bench/streaming.ts: runs the live server and reports event-loop delay and
// CPU use over IPC ("start", "reset", "stats"). Limits are raised for the benchmark's sizes (pile-1000
// and its plane are 1001 objects; 50 viewers and an owner are 51 connections).
import { monitorEventLoopDelay, performance } from "perf_hooks";
import { startServer } from "../src/server";

async function main(): Promise<void> {
  const server = await startServer({ port: 0, log: () => undefined, limits: { maxSessions: 256, maxObjects: 5000 } });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let cpuStart = process.cpuUsage();
  let wallStart = process.hrtime.bigint();
  let eluStart = performance.eventLoopUtilization();
  process.on("message", (kind) => {
    if (kind === "start") process.send!({ url: server.url });
    if (kind === "reset") {
      lag.reset();
      cpuStart = process.cpuUsage();
      wallStart = process.hrtime.bigint();
      eluStart = performance.eventLoopUtilization();
      process.send!({ ok: true });
    }
    if (kind === "stats") {
      const cpu = process.cpuUsage(cpuStart);
      const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
      process.send!({
        lagP50Ms: lag.percentile(50) / 1e6,
        lagP99Ms: lag.percentile(99) / 1e6,
        lagMaxMs: lag.max / 1e6,
        cpuPercent: (100 * (cpu.user + cpu.system)) / wallUs,
        eventLoopBusyPercent: 100 * performance.eventLoopUtilization(eluStart).utilization,
      });
    }
  });
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
}

void main();
