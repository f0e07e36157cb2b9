// A worker thread that hosts live simulations: it builds each session's engine, steps it and
// encodes its frames (in each encoding asked for: JSON, binary), so the server's event loop only
// moves bytes. A recorded session's frames are captured here too, from the engine, whatever the
// encodings (the SQLite work runs on this worker's own recording writer thread). Messages (see
// simulation-pool.ts): create → metadata, frame → its bytes per encoding (transferred),
// finishRecording → summary, dispose.
import * as path from "path";
import { parentPort, workerData } from "worker_threads";
import { AssetDatabase, Engine } from "../engine";
import { RecordingWriter } from "../recording";
import { BinaryFrameEncoder } from "./binary-frame";
import { FrameEncoder } from "./frame-encoder";
import type { FrameEncoding } from "./frame-encoding";
import { sceneMetadata } from "./frames";
import type { ObjectConfig } from "./messages";
import type { RecordingTarget, SimulationMetadata, WorkerReply, WorkerRequest } from "./simulation-pool";

interface Simulation {
  engine: Engine;
  encoder: FrameEncoder;
  /** Made when a frame is first asked for in binary. */
  binary?: BinaryFrameEncoder;
  recording?: RecordingWriter;
}

/** Frames a recording may have waiting for its writer before frames wait for it (a slow disk). */
const RECORDING_BACKLOG = 240;

const assets = AssetDatabase.open((workerData as { assetsDb: string }).assetsDb);
const simulations = new Map<number, Simulation>();

parentPort!.on("message", (request: WorkerRequest) => {
  handle(request).catch((error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }));
});

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.kind) {
    case "create":
      reply({ id: request.id, metadata: create(request.simulation, request.objects, request.record) });
      return;
    case "frame": {
      const simulation = existing(request.simulation);
      simulation.engine.update(request.timeMs);
      const frames = encode(simulation, request.frameId, request.encodings);
      const recording = simulation.recording;
      if (recording) {
        recording.capture();
        if (recording.backlog > RECORDING_BACKLOG) await recording.drained(RECORDING_BACKLOG / 2);
      }
      parentPort!.postMessage({ id: request.id, frames } satisfies WorkerReply, Object.values(frames));
      return;
    }
    case "finishRecording": {
      const simulation = existing(request.simulation);
      const recording = simulation.recording;
      if (!recording) throw new Error(`simulation ${request.simulation} is not being recorded`);
      simulation.recording = undefined;
      reply({ id: request.id, recording: await recording.finish({ frames: request.frames, timestep: request.timestepS }) });
      return;
    }
    case "dispose": {
      const simulation = simulations.get(request.simulation);
      simulations.delete(request.simulation);
      if (simulation) {
        // A recording still open here was never finished (no run, or a failed one): drop it.
        await simulation.recording?.abort();
        simulation.engine.dispose();
      }
      reply({ id: request.id, disposed: true });
      return;
    }
  }
}

/** The engine's current state as frame `frameId`, once in each encoding asked for. */
function encode(simulation: Simulation, frameId: number, encodings: readonly FrameEncoding[]): Partial<Record<FrameEncoding, ArrayBuffer>> {
  const frames: Partial<Record<FrameEncoding, ArrayBuffer>> = {};
  for (const encoding of encodings) {
    if (encoding === "json") frames.json = simulation.encoder.encodeToArrayBuffer(frameId);
    else frames.binary = (simulation.binary ??= new BinaryFrameEncoder(simulation.engine)).encode(frameId);
  }
  return frames;
}

function existing(id: number): Simulation {
  const simulation = simulations.get(id);
  if (!simulation) throw new Error(`simulation ${id} does not exist`);
  return simulation;
}

function create(id: number, objects: ObjectConfig[], record: RecordingTarget | undefined): SimulationMetadata {
  const engine = new Engine({ assetsDb: assets });
  try {
    const known = new Set(engine.listAssets().map((a) => a.name));
    const missing = objects.find((o) => !known.has(o.assetName));
    if (missing) throw new Error(`Asset '${missing.assetName}' not found`);
    for (const o of objects) {
      if (o.objectType === "inertial") engine.spawnInertialObject(o.assetName, o.position, o.orientation, { mass: o.mass, restitution: o.restitution, friction: o.friction });
      else engine.spawnEnvironmentObject(o.assetName, o.position, o.orientation, { restitution: o.restitution, friction: o.friction });
    }
    // Created now, so that a directory that cannot take it is an error before the run starts.
    const recording = record
      ? RecordingWriter.create(engine, path.join(record.directory, `${record.simulationId}.db`), { simulationId: record.simulationId, name: record.simulationId })
      : undefined;
    simulations.set(id, { engine, encoder: new FrameEncoder(engine), recording });
    // Bodies in id order, which is the order of `objects`, as the protocol's metadata lists them.
    return sceneMetadata(engine);
  } catch (error) {
    engine.dispose();
    throw error;
  }
}

function reply(message: WorkerReply): void {
  parentPort!.postMessage(message);
}
