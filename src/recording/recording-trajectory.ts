// A recording file as the notebook helpers' Recording (a Trajectory plus its scene), so that
// plot() and show() work on files exactly as on `record(engine, …)` results.
import type { Trajectory } from "../engine/types";
import type { FixedBody, RecordedScene, Recording } from "../kernel-helpers/recording";
import { STATE_STRIDE } from "./format";
import { RecordingReader } from "./recording-reader";

export interface ReadRecordingOptions {
  /** Bodies to load (default: every dynamic body). */
  bodies?: readonly number[];
}

/** Reads a recording file into memory as a Recording (for plot and show). */
export function readRecording(path: string, options: ReadRecordingOptions = {}): Recording {
  const reader = RecordingReader.open(path);
  try {
    return { trajectory: recordingTrajectory(reader, options), scene: recordingScene(reader) };
  } finally {
    reader.close();
  }
}

/** The recording's bodies, assets and (first) environment poses. */
export function recordingScene(reader: RecordingReader): RecordedScene {
  const first = reader.scenes()[0];
  const fixed: FixedBody[] = [];
  const env = first?.environment ?? new Float64Array(0);
  for (let k = 0; k < env.length; k += STATE_STRIDE) {
    fixed.push({ body_id: env[k], position: [env[k + 1], env[k + 2], env[k + 3]], orientation: [env[k + 4], env[k + 5], env[k + 6], env[k + 7]] });
  }
  return { bodies: reader.metadata().bodies, assets: reader.assets(), fixed };
}

/**
 * Every frame's dynamic bodies as a columnar Trajectory (the layout of engine.simulate). A body
 * missing from a frame (added or removed mid-recording) reads NaN there.
 */
export function recordingTrajectory(reader: RecordingReader, options: ReadRecordingOptions = {}): Trajectory {
  const dynamic = reader.metadata().bodies.filter((b) => !b.is_environment).map((b) => b.body_id);
  const wanted = options.bodies === undefined ? dynamic : [...options.bodies];
  for (const id of wanted) {
    if (!dynamic.includes(id)) throw new Error(`body ${id} is not a dynamic body of recording "${reader.path}"`);
  }
  const bodyIds = Int32Array.from(wanted);
  const n = bodyIds.length;
  const infos = reader.frames();
  const frames = infos.length;
  const t: Trajectory = {
    bodyIds,
    frames,
    time: new Float64Array(frames),
    position: new Float64Array(frames * n * 3).fill(Number.NaN),
    orientation: new Float64Array(frames * n * 4).fill(Number.NaN),
    velocity: new Float64Array(frames * n * 3).fill(Number.NaN),
    angularVelocity: new Float64Array(frames * n * 3).fill(Number.NaN),
    kineticEnergy: new Float64Array(frames),
    potentialEnergy: new Float64Array(frames),
  };
  const slot = new Map<number, number>(wanted.map((id, i) => [id, i]));
  infos.forEach((info, f) => {
    const frame = reader.frame(info.frameId)!;
    t.time[f] = frame.simulationTime;
    t.kineticEnergy[f] = frame.energy.linear + frame.energy.rotational;
    t.potentialEnergy[f] = frame.energy.potential;
    const s = frame.states;
    for (let k = 0; k < frame.dynamicCount * STATE_STRIDE; k += STATE_STRIDE) {
      const i = slot.get(s[k]);
      if (i === undefined) continue;
      const b = f * n + i;
      t.position.set(s.subarray(k + 1, k + 4), b * 3);
      t.orientation.set(s.subarray(k + 4, k + 8), b * 4);
      t.velocity.set(s.subarray(k + 8, k + 11), b * 3);
      t.angularVelocity.set(s.subarray(k + 11, k + 14), b * 3);
    }
  });
  return t;
}
