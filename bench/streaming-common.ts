// What the streaming benchmarks share: the live server in a child process (bench/streaming-server.ts,
// so that the clients' work does not disturb it) with its event-loop and CPU figures over IPC, the
// falling-cubes scene as live-protocol objects, and percentiles.
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { pileScene } from "./scenes";

export interface ServerStats {
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** CPU time of the whole server process (event loop and simulation workers) over wall time. */
  cpuPercent: number;
  eventLoopBusyPercent: number;
}

export interface StreamingServer {
  url: string;
  /** Starts the server's measurement window now. */
  reset(): Promise<void>;
  /** The figures since the last reset. */
  stats(): Promise<ServerStats>;
  stop(): void;
}

function request(child: ChildProcess, kind: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once("message", resolve);
    child.send(kind);
  });
}

/** Forks the server (`BENCH_SERVER_PROFILE=1`: with a CPU profile in /tmp/prof). */
export async function startStreamingServer(): Promise<StreamingServer> {
  const execArgv = process.env.BENCH_SERVER_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : [];
  const child = fork(path.join(__dirname, "streaming-server.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
  const { url } = (await request(child, "start")) as { url: string };
  return {
    url,
    reset: async () => void (await request(child, "reset")),
    stats: async () => (await request(child, "stats")) as ServerStats,
    stop: () => child.kill("SIGTERM"),
  };
}

/**
 * `pile-N` of `npm run bench` (bench/scenes.ts) as `configure` objects: N unit cubes (1 kg, μ 0.5,
 * e 0) in layers of a 1.5 m grid, falling onto `plane`. pile-1000 is 10 × 10 × 10.
 */
export function pileObjects(n: number): object[] {
  const scene = pileScene(n);
  return [
    { asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment", friction: 0.5, restitution: 0 },
    ...scene.dynamic.map((cube) => ({ asset_name: "unit_cube", position: cube.position, orientation: [0, 0, 0], object_type: "inertial", mass: cube.mass, restitution: cube.restitution, friction: cube.friction })),
  ];
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
