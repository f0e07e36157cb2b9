// One WebSocket connection of `/api/v1/live`: configure → metadata → start → frames → complete,
// with its own engine. Physics steps run on a worker thread (Engine.updateAsync), frames are paced
// by absolute deadlines, and a client that stops reading pauses its own simulation.
import { performance } from "perf_hooks";
import type { RawData, WebSocket } from "ws";
import { AssetDatabase, Engine } from "../engine";
import { FrameEncoder } from "./frame-encoder";
import { assetGeometries, BodyMetadata, bodyMetadata } from "./frames";
import { asMessage, frameCount, isStop, JsonObject, parseJson, ProtocolError, readConfigure, readStart, readStop, StartConfig } from "./messages";
import type { ServerLimits } from "./options";

export interface SessionContext {
  assets: AssetDatabase;
  limits: ServerLimits;
  log: (line: string) => void;
}

type Phase = "configure" | "start" | "running" | "closed";

/** WebSocket close codes used by the protocol. */
export const CloseCode = { normal: 1000, tooBig: 1009, tryAgainLater: 1013 } as const;

const FLOW_POLL_MS = 5;
/**
 * A step that took less than this (ms) runs on the event loop next time: handing tiny steps to a
 * worker thread costs more than the step. Anything heavier goes to the worker, so one big scene
 * never stalls the other sessions.
 */
const INLINE_STEP_BUDGET_MS = 0.25;

export class LiveSession {
  private phase: Phase = "configure";
  private engine: Engine | undefined;
  private stopRequested = false;
  private wakeUp: (() => void) | undefined;
  private readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly context: SessionContext) {
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", () => this.onClose());
    ws.on("error", (error) => context.log(`session socket error: ${error.message}`));
  }

  /** Resolves when the connection has closed and the engine is freed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }

  /** Refuses the connection with an error (e.g. the server is full). */
  reject(message: string, code: number): void {
    this.fail(message, code);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.phase === "closed") return;
    const size = byteLength(data);
    if (size > this.context.limits.maxPayloadBytes) {
      this.fail(`message too large: ${size} bytes (limit ${this.context.limits.maxPayloadBytes})`, CloseCode.tooBig);
      return;
    }
    if (isBinary) {
      this.fail("binary messages are not supported: send JSON text");
      return;
    }
    try {
      const value = parseJson(rawText(data));
      // While running, only `stop` means something; any other JSON is ignored, as in the seed.
      if (this.phase === "running") {
        if (isStop(value)) this.requestStop();
        return;
      }
      this.handle(asMessage(value));
    } catch (error) {
      if (error instanceof ProtocolError) this.fail(error.message);
      else this.fail(error instanceof Error ? error.message : String(error));
    }
  }

  private handle(message: JsonObject & { type: string }): void {
    switch (this.phase) {
      case "configure":
        if (message.type !== "configure") throw new ProtocolError("Expected 'configure' message first");
        this.configure(message);
        return;
      case "start":
        if (message.type === "stop") {
          readStop(message);
          this.finish(0, 0);
        } else if (message.type === "start") {
          void this.run(readStart(message, this.context.limits.maxDurationS));
        } else {
          throw new ProtocolError(`Expected 'start' or 'stop', got '${message.type}'`);
        }
        return;
      default:
        return;
    }
  }

  private configure(message: JsonObject): void {
    const objects = readConfigure(message, this.context.limits.maxObjects);
    const engine = new Engine({ assetsDb: this.context.assets });
    this.engine = engine;
    const known = new Set(engine.listAssets().map((a) => a.name));
    const missing = objects.find((o) => !known.has(o.assetName));
    if (missing) throw new ProtocolError(`Asset '${missing.assetName}' not found`);
    const bodies: BodyMetadata[] = objects.map((o) => {
      const spawned =
        o.objectType === "inertial"
          ? engine.spawnInertialObject(o.assetName, o.position, o.orientation, { mass: o.mass, restitution: o.restitution, friction: o.friction })
          : engine.spawnEnvironmentObject(o.assetName, o.position, o.orientation, { restitution: o.restitution, friction: o.friction });
      return bodyMetadata(spawned.instanceId, spawned.assetId, o);
    });
    const assets = assetGeometries(engine, bodies.map((b) => b.asset_id));
    this.send({ type: "metadata", bodies, assets });
    this.phase = "start";
  }

  private async run(start: StartConfig): Promise<void> {
    this.phase = "running";
    const engine = this.engine!;
    const encoder = new FrameEncoder(engine);
    const frames = frameCount(start);
    const began = performance.now();
    let anchor = began; // wall time of frame 0 on the current schedule
    let sent = 0;
    let lastStepMs = Infinity; // unknown until measured: the first step goes to the worker
    try {
      for (let k = 0; k < frames && !this.stopRequested; k++) {
        lastStepMs = await advance(engine, k * start.timestepMs, lastStepMs);
        if (this.stopRequested) break;
        if (await this.waitForClientToDrain()) anchor = performance.now() - k * start.timestepMs;
        if (this.stopRequested) break;
        this.sendText(encoder.encode(k));
        sent++;
        // Every frame owns its slot, the last one included (as in the seed): a run of duration D
        // completes D + one timestep after it started.
        await this.sleepUntil(anchor + (k + 1) * start.timestepMs);
      }
      if (this.phase === "running") this.finish(sent, (performance.now() - began) / 1000);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      this.disposeEngine();
    }
  }

  /** Pauses while the client has too much unread output. Returns whether it had to wait. */
  private async waitForClientToDrain(): Promise<boolean> {
    const { maxBufferedBytes, stallTimeoutS } = this.context.limits;
    if (this.ws.bufferedAmount <= maxBufferedBytes) return false;
    const since = performance.now();
    while (this.ws.bufferedAmount > maxBufferedBytes && !this.stopRequested) {
      if (performance.now() - since > stallTimeoutS * 1000) {
        // A closing handshake would queue behind the unread frames; drop the connection instead.
        this.fail(`client is not reading its frames: disconnected after ${stallTimeoutS} s`);
        this.ws.terminate();
        return true;
      }
      await this.sleepUntil(performance.now() + FLOW_POLL_MS);
    }
    return true;
  }

  /** Sleeps until `deadline` (performance.now() ms), never waking early; a stop or close wakes it. */
  private async sleepUntil(deadline: number): Promise<void> {
    for (let now = performance.now(); now < deadline && !this.stopRequested; now = performance.now()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, Math.ceil(deadline - now)));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = undefined;
    }
  }

  private requestStop(): void {
    this.stopRequested = true;
    this.wakeUp?.();
  }

  private finish(totalFrames: number, elapsedS: number): void {
    this.send({ type: "complete", total_frames: totalFrames, elapsed_s: Math.round(elapsedS * 1000) / 1000 });
    this.close(CloseCode.normal, "complete");
  }

  private fail(message: string, code: number = CloseCode.normal): void {
    if (this.phase === "closed") return;
    this.send({ type: "error", message });
    this.close(code, message);
  }

  private close(code: number, reason: string): void {
    const wasRunning = this.phase === "running";
    this.phase = "closed";
    this.requestStop();
    // Close reasons are limited to 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    if (!wasRunning) this.disposeEngine();
  }

  private onClose(): void {
    const wasRunning = this.phase === "running";
    this.phase = "closed";
    this.requestStop();
    if (!wasRunning) this.disposeEngine();
  }

  private send(message: object): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends a JSON text frame (a string, or its UTF-8 bytes). */
  private sendText(text: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text, { binary: false });
  }

  private disposeEngine(): void {
    this.engine?.dispose();
    this.engine = undefined;
  }
}

/** Advances the engine to `tMs`, inline or on the worker depending on the last step's cost; returns this step's cost in ms. */
async function advance(engine: Engine, tMs: number, lastStepMs: number): Promise<number> {
  if (lastStepMs < INLINE_STEP_BUDGET_MS) {
    const began = performance.now();
    engine.update(tMs);
    return performance.now() - began;
  }
  return (await engine.updateAsync(tMs)) * 1000;
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString("utf8");
}
