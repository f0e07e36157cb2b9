// Streaming benchmark, viewers mode: one live session (pile-N, 16 ms frames) run by one client and
// watched by V viewers (`watch {simulation_id}`), in JSON and in binary. Clients live in this
// process, the server in another; viewers only count frames and bytes (they read a frame's id, not
// its body), so the figures are the server's. Each row: a fresh session, `warmup` s of streaming,
// then `seconds` s measured.
import { performance } from "perf_hooks";
import WebSocket from "ws";
import { percentile, pileObjects, type ServerStats, type StreamingServer } from "./streaming-common";

type Encoding = "json" | "binary";

const TIMESTEP_MS = 16;

/** One client: the owner or a viewer. Counts the frames (and their bytes) it gets. */
class Client {
  readonly ws: WebSocket;
  frames = 0;
  frameBytes = 0;
  private resolveMetadata!: (metadata: { simulation_id: string }) => void;
  private rejectMetadata!: (error: Error) => void;
  readonly metadata = new Promise<{ simulation_id: string }>((resolve, reject) => {
    this.resolveMetadata = resolve;
    this.rejectMetadata = reject;
  });
  readonly ended: Promise<void>;

  constructor(url: string, first: object) {
    this.ws = new WebSocket(`${url.replace("http", "ws")}/api/v1/live`, { perMessageDeflate: false });
    this.ws.on("open", () => this.ws.send(JSON.stringify(first)));
    this.ended = new Promise((resolve, reject) => {
      this.ws.on("message", (data: Buffer, isBinary) => {
        if (isBinary || data[2] === 0x74 /* {"type… */ && data.subarray(0, 15).toString() === '{"type":"frame"') {
          this.frames++;
          this.frameBytes += data.length;
          return;
        }
        const message = JSON.parse(data.toString()) as { type: string; simulation_id: string; message?: string };
        if (message.type === "metadata") this.resolveMetadata(message);
        else if (message.type === "complete") resolve();
        else if (message.type === "error") {
          const error = new Error(`server error: ${message.message}`);
          this.rejectMetadata(error);
          reject(error);
        }
      });
      this.ws.on("error", (error) => {
        this.rejectMetadata(error);
        reject(error);
      });
      this.ws.on("close", () => resolve());
    });
  }

  /** Starts counting afresh. */
  reset(): void {
    this.frames = 0;
    this.frameBytes = 0;
  }
}

export interface ViewersRow extends ServerStats {
  encoding: Encoding;
  viewers: number;
  fpsMin: number;
  fpsMedian: number;
  ownerFps: number;
  bytesPerFrame: number;
  /** CPU of this (the clients') process over the window: when it nears 100 % (one thread), the clients are the limit. */
  clientsCpuPercent: number;
}

async function measure(server: StreamingServer, objects: object[], encoding: Encoding, viewers: number, seconds: number, warmupS: number): Promise<ViewersRow> {
  const owner = new Client(server.url, { type: "configure", objects, encoding });
  const { simulation_id: id } = await owner.metadata;
  const watchers = Array.from({ length: viewers }, () => new Client(server.url, { type: "watch", simulation_id: id, encoding }));
  await Promise.all(watchers.map((w) => w.metadata));
  owner.ws.send(JSON.stringify({ type: "start", timestep_ms: TIMESTEP_MS, duration_s: warmupS + seconds + 2 }));
  await sleep(warmupS * 1000);
  await server.reset();
  for (const client of [owner, ...watchers]) client.reset();
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  await sleep(seconds * 1000);
  const wallS = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const stats = await server.stats();
  const counted = watchers.map((w) => ({ frames: w.frames, bytes: w.frameBytes }));
  const ownerFrames = { frames: owner.frames, bytes: owner.frameBytes };
  owner.ws.send(JSON.stringify({ type: "stop" }));
  await Promise.all([owner.ended, ...watchers.map((w) => w.ended)]);
  const fps = counted.map((c) => c.frames / wallS);
  return {
    encoding,
    viewers,
    fpsMin: Math.min(...fps),
    fpsMedian: percentile(fps, 50),
    ownerFps: ownerFrames.frames / wallS,
    bytesPerFrame: ownerFrames.bytes / Math.max(1, ownerFrames.frames),
    clientsCpuPercent: (cpu.user + cpu.system) / 1e4 / wallS,
    ...stats,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function viewersBench(server: StreamingServer, options: { bodies: number; viewers: number[]; encodings: Encoding[]; seconds: number; warmupS: number }): Promise<object> {
  const objects = pileObjects(options.bodies);
  console.log(`streaming (viewers): one session of pile-${options.bodies} (${TIMESTEP_MS} ms frames) watched by ${options.viewers.join(", ")} viewers; ${options.warmupS} s warm-up, ${options.seconds} s measured`);
  console.log("encoding | viewers | frames/s per viewer (min / median) | owner frames/s | bytes per frame | server CPU | lag p50 / p99 / max (ms) | event loop busy | clients CPU");
  const rows: ViewersRow[] = [];
  for (const encoding of options.encodings) {
    for (const viewers of options.viewers) {
      const row = await measure(server, objects, encoding, viewers, options.seconds, options.warmupS);
      rows.push(row);
      console.log(
        `${encoding.padEnd(8)} | ${String(viewers).padStart(7)} | ${row.fpsMin.toFixed(1).padStart(6)} / ${row.fpsMedian.toFixed(1).padStart(6)}${" ".repeat(20)} | ${row.ownerFps.toFixed(1).padStart(14)} | ${Math.round(row.bytesPerFrame).toString().padStart(15)} | ${row.cpuPercent.toFixed(0).padStart(8)} % | ${row.lagP50Ms.toFixed(1)} / ${row.lagP99Ms.toFixed(1)} / ${row.lagMaxMs.toFixed(1)} | ${row.eventLoopBusyPercent.toFixed(0)} % | ${row.clientsCpuPercent.toFixed(0)} %`,
      );
    }
  }
  const target = rows.filter((r) => r.viewers === 10);
  for (const r of target) {
    const met = r.fpsMin >= 58 && r.lagP99Ms < 20;
    console.log(`target (10 viewers ≥ 58 frames/s each, lag p99 < 20 ms), ${r.encoding}: ${met ? "met" : "missed"} (min ${r.fpsMin.toFixed(1)} frames/s, p99 ${r.lagP99Ms.toFixed(1)} ms)`);
  }
  return { bench: "streaming-viewers", bodies: options.bodies, seconds: options.seconds, warmupS: options.warmupS, timestepMs: TIMESTEP_MS, rows };
}
