// A worker thread that hosts live simulations: it builds each session's engine, steps it and
// encodes its frames, so the server's event loop only moves bytes. Messages (see
// simulation-pool.ts): create → metadata, frame → JSON bytes (transferred), dispose.
import { parentPort, workerData } from "worker_threads";
import { AssetDatabase, Engine } from "../engine";
import { FrameEncoder } from "./frame-encoder";
import { sceneMetadata } from "./frames";
import type { ObjectConfig } from "./messages";
import type { SimulationMetadata, WorkerReply, WorkerRequest } from "./simulation-pool";

interface Simulation {
  engine: Engine;
  encoder: FrameEncoder;
}

const assets = AssetDatabase.open((workerData as { assetsDb: string }).assetsDb);
const simulations = new Map<number, Simulation>();

parentPort!.on("message", (request: WorkerRequest) => {
  try {
    handle(request);
  } catch (error) {
    reply({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});

function handle(request: WorkerRequest): void {
  switch (request.kind) {
    case "create":
      reply({ id: request.id, metadata: create(request.simulation, request.objects) });
      return;
    case "frame": {
      const simulation = simulations.get(request.simulation);
      if (!simulation) throw new Error(`simulation ${request.simulation} does not exist`);
      simulation.engine.update(request.timeMs);
      const bytes = simulation.encoder.encodeToArrayBuffer(request.frameId);
      parentPort!.postMessage({ id: request.id, bytes } satisfies WorkerReply, [bytes]);
      return;
    }
    case "dispose":
      simulations.get(request.simulation)?.engine.dispose();
      simulations.delete(request.simulation);
      return;
  }
}

function create(id: number, objects: ObjectConfig[]): SimulationMetadata {
  const engine = new Engine({ assetsDb: assets });
  try {
    const known = new Set(engine.listAssets().map((a) => a.name));
    const missing = objects.find((o) => !known.has(o.assetName));
    if (missing) throw new Error(`Asset '${missing.assetName}' not found`);
    for (const o of objects) {
      if (o.objectType === "inertial") engine.spawnInertialObject(o.assetName, o.position, o.orientation, { mass: o.mass, restitution: o.restitution, friction: o.friction });
      else engine.spawnEnvironmentObject(o.assetName, o.position, o.orientation, { restitution: o.restitution, friction: o.friction });
    }
    simulations.set(id, { engine, encoder: new FrameEncoder(engine) });
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
