// Streaming benchmark, sessions mode: N concurrent live sessions, each a pile of 100 unit cubes at
// 16 ms frames, each with its own client (no watchers). Clients count frames and simulation time
// per session; the server (a child process) reports its event-loop delay and CPU time.
//   npm run bench:streaming -- --sessions 1,10,20 [--seconds 10 --bodies 100]
import { performance } from "perf_hooks";
import WebSocket from "ws";
import { percentile, type ServerStats, type StreamingServer } from "./streaming-common";

interface SessionResult {
  frames: number;
  simulatedS: number;
  wallS: number;
}

const TIMESTEP_MS = 16;

/** Cubes in a grid 1.5 m apart (√N per side), each a little rotated, falling onto `plane`: they keep the solver busy. */
function rotatedPile(bodies: number): object[] {
  const objects: object[] = [{ asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment" }];
  const side = Math.ceil(Math.sqrt(bodies));
  for (let i = 0; i < bodies; i++) {
    const x = (i % side) - (side - 1) / 2;
    const y = Math.floor(i / side) % side - (side - 1) / 2;
    const layer = Math.floor(i / (side * side));
    objects.push({ asset_name: "unit_cube", position: [x * 1.5, y * 1.5, 2 + layer * 1.5], orientation: [0.1 * i, 0.05 * i, 0], object_type: "inertial", mass: 1, restitution: 0, friction: 0.5 });
  }
  return objects;
}

function runSession(url: string, objects: object[], durationS: number, onFirstFrame: () => void): Promise<SessionResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/api/v1/live`);
    let frames = 0;
    let first = 0;
    let simulatedS = 0;
    ws.on("open", () => ws.send(JSON.stringify({ type: "configure", objects })));
    ws.on("message", (raw) => {
      const text = raw.toString();
      // Frames are only counted, not parsed: on a 2-core machine the clients' JSON parsing would
      // otherwise take the CPU the server is being measured on.
      if (text.startsWith('{"type":"frame"')) {
        if (frames === 0) {
          first = performance.now();
          onFirstFrame();
        }
        frames++;
        const at = text.indexOf('"simulation_time":') + 18;
        simulatedS = parseFloat(text.slice(at, text.indexOf(",", at)));
        return;
      }
      const message = JSON.parse(text) as { type: string; message?: string };
      if (message.type === "metadata") ws.send(JSON.stringify({ type: "start", timestep_ms: TIMESTEP_MS, duration_s: durationS }));
      else if (message.type === "complete") resolve({ frames, simulatedS, wallS: (performance.now() - first) / 1000 });
      else if (message.type === "error") reject(new Error(message.message));
    });
    ws.on("error", reject);
  });
}

export async function sessionsBench(server: StreamingServer, counts: number[], seconds: number, bodies: number): Promise<object> {
  const objects = rotatedPile(bodies);
  console.log(`streaming (sessions): ${bodies} cubes per session, ${TIMESTEP_MS} ms frames, ${seconds} s runs`);
  console.log("sessions | frames/s per session (min / median) | real-time factor (min) | server lag p50 / p99 / max (ms) | server CPU | event loop busy");
  const rows: object[] = [];
  for (const n of counts) {
    // Server stats cover streaming only: they are reset once every session has its first frame
    // (connection set-up of n sessions at the same instant is not what is being measured).
    let started = 0;
    let sessions: Promise<SessionResult>[] = [];
    const allStarted = new Promise<void>((resolve) => {
      const onFirstFrame = (): void => {
        if (++started === n) resolve();
      };
      sessions = Array.from({ length: n }, () => runSession(server.url, objects, seconds, onFirstFrame));
    });
    await allStarted;
    await server.reset();
    const results = await Promise.all(sessions);
    const stats: ServerStats = await server.stats();
    const fps = results.map((r) => (r.frames - 1) / r.wallS);
    const realTime = results.map((r) => r.simulatedS / r.wallS);
    const row = { sessions: n, fpsMin: Math.min(...fps), fpsMedian: percentile(fps, 50), realTimeMin: Math.min(...realTime), ...stats };
    rows.push(row);
    console.log(
      `${String(n).padStart(8)} | ${row.fpsMin.toFixed(1).padStart(6)} / ${row.fpsMedian.toFixed(1).padStart(6)}${" ".repeat(22)} | ${(100 * row.realTimeMin).toFixed(1).padStart(6)} %${" ".repeat(14)} | ${stats.lagP50Ms.toFixed(1)} / ${stats.lagP99Ms.toFixed(1)} / ${stats.lagMaxMs.toFixed(1)} | ${stats.cpuPercent.toFixed(0)} % | ${stats.eventLoopBusyPercent.toFixed(0)} %`,
    );
  }
  return { bench: "streaming-sessions", bodies, seconds, timestepMs: TIMESTEP_MS, rows };
}
