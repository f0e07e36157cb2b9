// One WebSocket connection of `/api/v1/live`: configure → metadata → start → frames → complete,
// or watch → metadata → frames → complete. The simulation itself lives on a pool worker thread
// (simulation-pool.ts), which steps it and encodes each frame once per encoding wanted; this side
// keeps the protocol, paces frames by absolute deadlines, pauses the simulation while its owner is
// not reading, and hands every frame to the session's watchers (watch-channel.ts), who never pause it.
import { performance } from "perf_hooks";
import type { RawData, WebSocket } from "ws";
import type { EncodedFrame, FrameEncoding } from "./frame-encoding";
import { asMessage, describe, frameCount, isStop, JsonObject, parseJson, ProtocolError, readConfigure, readEncoding, readRecord, readStart, readStop, readWatch, StartConfig, WatchRequest } from "./messages";
import type { ServerLimits } from "./options";
import { SessionWatchers } from "./session-watchers";
import type { SimulationDirectory } from "./simulation-directory";
import type { Simulation, SimulationPool } from "./simulation-pool";
import { newSimulationId } from "./simulation-id";
import { Watcher } from "./watcher";

export interface SessionContext {
  pool: SimulationPool;
  /** Where this session lists itself for watchers, and where `watch` looks. */
  directory: SimulationDirectory;
  limits: ServerLimits;
  log: (line: string) => void;
  /** Timers do not keep the process alive (a server embedded in a notebook kernel). */
  unref?: boolean;
  /** Where recordings go; `recordAll` records every session, else only those that ask (`"record": true`). */
  recordings: { directory: string; recordAll: boolean };
}

type Phase = "configure" | "configuring" | "start" | "running" | "watching" | "closed";

/** WebSocket close codes used by the protocol. */
export const CloseCode = { normal: 1000, tooBig: 1009, tryAgainLater: 1013 } as const;

const FLOW_POLL_MS = 5;

export class LiveSession {
  private phase: Phase = "configure";
  private simulation: Simulation | undefined;
  private stopRequested = false;
  private wakeUp: (() => void) | undefined;
  private unwatch: (() => void) | undefined;
  /** Messages that arrive while `configure` is being built are handled after it, in order. */
  private backlog: Promise<void> = Promise.resolve();
  private readonly closed: Promise<void>;
  /** Settles when the session is over and its simulation (and recording) finished with. */
  private ran: Promise<void> = Promise.resolve();
  /** Every metadata message carries it; a recorded session's recording has this id. */
  private readonly simulationId = newSimulationId();
  /** The encoding this client asked for in `configure`. */
  private encoding: FrameEncoding = "json";
  /** This session's watchers, from `metadata` until the session ends. */
  private watchers: SessionWatchers | undefined;

  constructor(private readonly ws: WebSocket, private readonly context: SessionContext) {
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", () => this.onClose());
    ws.on("error", (error) => context.log(`session socket error: ${error.message}`));
  }

  /** Resolves when the connection has closed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }

  /** Resolves when the connection has closed and a run it had is over (its recording published). */
  async whenDone(): Promise<void> {
    await this.closed;
    await this.ran;
  }

  /** Refuses the connection with an error (e.g. the server is full). */
  reject(message: string, code: number): void {
    this.fail(message, code);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.phase === "closed") return;
    // While running, messages are looked at at once (a `stop` must not wait). Otherwise they are
    // handled strictly in order, after a `configure` that is still being built.
    const failOn = (error: unknown): void => this.fail(error instanceof Error ? error.message : String(error));
    if (this.phase === "running") {
      this.receive(data, isBinary).catch(failOn);
      return;
    }
    this.backlog = this.backlog.then(() => this.receive(data, isBinary)).catch(failOn);
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.phase === "closed") return;
    const size = byteLength(data);
    if (size > this.context.limits.maxPayloadBytes) {
      this.fail(`message too large: ${size} bytes (limit ${this.context.limits.maxPayloadBytes})`, CloseCode.tooBig);
      return;
    }
    if (isBinary) throw new ProtocolError("binary messages are not supported: send JSON text");
    await this.handle(parseJson(rawText(data)));
  }

  private async handle(value: unknown): Promise<void> {
    if (this.phase === "closed") return;
    // While running, only `stop` means something; any other JSON is ignored, as in the seed.
    if (this.phase === "running") {
      if (isStop(value)) this.requestStop();
      return;
    }
    // A watcher is read-only: `stop` ends its own watch, anything else is an error.
    if (this.phase === "watching") {
      if (!isStop(value)) throw new ProtocolError(`watchers are read-only: only 'stop' may be sent while watching (got ${describeMessage(value)})`);
      this.endWatch();
      return;
    }
    const message = asMessage(value);
    if (this.phase === "configure") {
      if (message.type === "watch") this.watch(readWatch(message));
      else if (message.type === "configure") await this.configure(message);
      else throw new ProtocolError("Expected 'configure' or 'watch' message first");
      return;
    }
    if (message.type === "stop") {
      readStop(message);
      this.finish(0, 0);
    } else if (message.type === "start") {
      this.ran = this.run(readStart(message, this.context.limits.maxDurationS));
    } else {
      throw new ProtocolError(`Expected 'start' or 'stop', got '${message.type}'`);
    }
  }

  private async configure(message: JsonObject): Promise<void> {
    const objects = readConfigure(message, this.context.limits.maxObjects);
    const { directory, recordAll } = this.context.recordings;
    const record = readRecord(message) || recordAll;
    this.encoding = readEncoding(message);
    this.phase = "configuring";
    const simulation = await this.context.pool.create(objects, record ? { directory, simulationId: this.simulationId } : undefined);
    if (this.phase !== "configuring") {
      simulation.dispose(); // the client left while the scene was being built
      return;
    }
    this.simulation = simulation;
    const metadata = JSON.stringify({ type: "metadata", simulation_id: this.simulationId, ...simulation.metadata });
    // Listed for watchers from now until the session ends (an id in use is an error, before metadata).
    this.watchers = new SessionWatchers(this.simulationId, metadata, simulation.metadata.bodies.length, this.context.directory, this.context.unref);
    this.sendText(metadata);
    this.phase = "start";
  }

  /** Attaches to a simulation (published or a session): metadata and the current frame now, then every new frame. */
  private watch({ simulationId, encoding }: WatchRequest): void {
    const ws = this.ws;
    const watcher = new Watcher(encoding, {
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
      sendText: (text) => this.sendText(text),
      sendBinary: (bytes) => this.sendBinary(bytes),
      complete: (frames, elapsedS) => {
        if (this.phase === "watching") this.finish(frames, elapsedS);
      },
      dropStalled: () => this.dropStalledClient(),
    }, this.context.limits);
    this.phase = "watching";
    this.endWatch = () => watcher.end();
    try {
      this.unwatch = this.context.directory.watch(simulationId, watcher);
    } catch (error) {
      throw new ProtocolError((error as Error).message);
    }
  }

  /** Ends this connection's watch (set by `watch`). */
  private endWatch: () => void = () => undefined;

  private async run(start: StartConfig): Promise<void> {
    this.phase = "running";
    const simulation = this.simulation!;
    const frames = frameCount(start);
    const began = performance.now();
    let anchor = began; // wall time of frame 0 on the current schedule
    let sent = 0;
    try {
      for (let k = 0; k < frames && !this.stopRequested; k++) {
        const frame = await simulation.frame(k * start.timestepMs, k, this.encodingsWanted());
        if (this.stopRequested) break;
        // The owner gets every frame: a slow owner pauses the run (its watchers just wait).
        if (await this.waitForClientToDrain()) anchor = performance.now() - k * start.timestepMs;
        if (this.stopRequested) break;
        this.sendFrame(frame);
        this.watchers?.publish(k, (k * start.timestepMs) / 1000, frame);
        sent++;
        // Every frame owns its slot, the last one included (as in the seed): a run of duration D
        // completes D + one timestep after it started.
        await this.sleepUntil(anchor + (k + 1) * start.timestepMs);
      }
      // Completed, stopped or disconnected: the recording keeps exactly the frames that were sent.
      if (simulation.recorded) await this.finishRecording(simulation, sent, start.timestepMs / 1000);
      if (this.phase === "running") this.finish(sent, (performance.now() - began) / 1000);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      this.disposeSimulation();
    }
  }

  private async finishRecording(simulation: Simulation, sent: number, timestepS: number): Promise<void> {
    try {
      await simulation.finishRecording(sent, timestepS);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.phase !== "running") this.context.log(`session ${this.simulationId}: ${message}`); // nobody left to tell
      throw error;
    }
  }

  /** Pauses while the client has too much unread output. Returns whether it had to wait. */
  private async waitForClientToDrain(): Promise<boolean> {
    const { maxBufferedBytes, stallTimeoutS } = this.context.limits;
    if (this.ws.bufferedAmount <= maxBufferedBytes) return false;
    const since = performance.now();
    while (this.ws.bufferedAmount > maxBufferedBytes && !this.stopRequested) {
      if (performance.now() - since > stallTimeoutS * 1000) {
        this.dropStalledClient();
        return true;
      }
      await this.sleepUntil(performance.now() + FLOW_POLL_MS);
    }
    return true;
  }

  /** Ends a connection whose client has not read its output for the stall timeout. */
  private dropStalledClient(): void {
    this.fail(`client is not reading its frames: disconnected after ${this.context.limits.stallTimeoutS} s`);
    // A closing handshake would queue behind the unread frames; drop the connection instead.
    this.ws.terminate();
  }

  /** Sleeps until `deadline` (performance.now() ms), never waking early; a stop or close wakes it. */
  private async sleepUntil(deadline: number): Promise<void> {
    for (let now = performance.now(); now < deadline && !this.stopRequested; now = performance.now()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, Math.ceil(deadline - now)));
        if (this.context.unref) timer.unref();
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = undefined;
    }
  }

  /** The owner's encoding and its watchers': each frame is encoded once in each. */
  private encodingsWanted(): FrameEncoding[] {
    const wanted = new Set<FrameEncoding>([this.encoding]);
    for (const encoding of this.watchers?.encodings() ?? []) wanted.add(encoding);
    return [...wanted];
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
    this.endSession();
    // Close reasons are limited to 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
  }

  private onClose(): void {
    this.endSession();
  }

  /** Marks the session closed; the simulation is freed now, or by `run` when it is running. */
  private endSession(): void {
    const wasRunning = this.phase === "running";
    this.phase = "closed";
    this.unwatch?.();
    this.unwatch = undefined;
    // The session ended: its watchers get `complete`.
    this.watchers?.end();
    this.watchers = undefined;
    this.requestStop();
    if (!wasRunning) this.disposeSimulation();
  }

  private send(message: object): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends a JSON text frame (a string, or its UTF-8 bytes). */
  private sendText(text: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text, { binary: false });
  }

  private sendBinary(bytes: Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(bytes, { binary: true });
  }

  /** A frame of the run in the owner's encoding. */
  private sendFrame(frame: EncodedFrame): void {
    const bytes = frame[this.encoding];
    if (bytes === undefined) throw new Error(`frame not encoded as ${this.encoding}`);
    if (this.encoding === "binary") this.sendBinary(bytes);
    else this.sendText(bytes);
  }

  private disposeSimulation(): void {
    this.simulation?.dispose();
    this.simulation = undefined;
  }
}

/** A client message in an error: its type, or what it is when it has none. */
function describeMessage(value: unknown): string {
  const type = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject).type : undefined;
  return typeof type === "string" ? `'${type.length > 40 ? `${type.slice(0, 40)}…` : type}'` : describe(value);
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString("utf8");
}
