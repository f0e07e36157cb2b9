// show(): the 3D view. A recording plays back (play/pause, scrub, speed in simulation time, orbit);
// an engine is shown as it is now. Poses travel as gzip-compressed Float32 (7 numbers per body and
// frame), the scene as the live protocol's metadata, and the viewer's own three.js code draws them.
import { Engine } from "../engine";
import type { Trajectory } from "../engine/types";
import { gzipBase64 } from "./libraries";
import { isRecording, isTrajectory, Recording, RecordedScene, recordingOf, sceneOf } from "./recording";
import { escapeHtml, RichOutput, shortNumber } from "./rich-output";

export interface ShowOptions {
  /** For a bare Trajectory: the engine whose bodies it recorded (for their shapes). */
  engine?: Engine;
  title?: string;
  /**
   * Frames kept for playback at most (longer recordings keep every k-th frame). Default: 1800, or
   * fewer for many bodies, so that the poses stay under about 4 MB.
   */
  maxFrames?: number;
}

export type Showable = Engine | Recording | Trajectory;

const POSE = 7;

/** Builds the 3D view without showing it (for reports). */
export function showOutput(source: Showable, options: ShowOptions = {}): RichOutput {
  const recording = asRecording(source, options);
  const frames = keptFrames(recording?.trajectory.frames ?? 1, options.maxFrames ?? defaultMaxFrames(recording?.trajectory.bodyIds.length ?? 0));
  const { scene, ids, times, poses } = recording ? fromRecording(recording, frames) : fromEngine(source as Engine);
  const environment = scene.bodies.filter((b) => b.is_environment).length;
  const span = times.length > 1 ? `${times.length} frames over ${shortNumber(times[times.length - 1] - times[0])} s` : `t = ${shortNumber(times[0])} s`;
  const summary = `3D view${options.title ? ` "${options.title}"` : ""}: ${scene.bodies.length} bodies (${environment} environment), ${span}`;
  return {
    text: `${summary}. Interactive in a notebook or report with JavaScript.`,
    fallbackHtml: `<div style="border:1px solid #ddd;padding:12px;font:13px system-ui,sans-serif;color:#555">${escapeHtml(summary)}.<br>The interactive 3D view needs JavaScript: run the cell, or trust the notebook.</div>`,
    libraries: ["player"],
    draw: DRAW_PLAYER,
    data: {
      title: options.title,
      bodies: scene.bodies,
      assets: scene.assets,
      fixed: scene.fixed,
      ids,
      times: Array.from(times, (t) => Number(t.toPrecision(9))),
      poses: gzipBase64(new Uint8Array(poses.buffer, poses.byteOffset, poses.byteLength)),
    },
  };
}

const DRAW_PLAYER = `function (el, player, data) {
  return __msdLab.inflate(data.poses).then(function (buffer) {
    data.poses = new Float32Array(buffer);
    player.mountPlayer(el, data);
  });
}`;

function asRecording(source: Showable, options: ShowOptions): Recording | undefined {
  if (isRecording(source)) return source;
  if (isTrajectory(source)) {
    if (!options.engine) throw new Error("show: a bare Trajectory needs { engine } for the bodies' shapes (or use record(), which keeps them)");
    return recordingOf(options.engine, source);
  }
  if (source instanceof Engine) return undefined;
  throw new Error("show: expected an Engine, a Recording (from record()) or a Trajectory");
}

const POSE_BUDGET_BYTES = 4_000_000;

function defaultMaxFrames(bodies: number): number {
  return Math.max(60, Math.min(1800, Math.floor(POSE_BUDGET_BYTES / (Math.max(1, bodies) * POSE * 4))));
}

/** Indices of the frames to keep: every k-th, and always the last. */
function keptFrames(count: number, limit: number): number[] {
  const stride = Math.max(1, Math.ceil(count / Math.max(2, limit)));
  const kept: number[] = [];
  for (let f = 0; f < count; f += stride) kept.push(f);
  if (kept[kept.length - 1] !== count - 1) kept.push(count - 1);
  return kept;
}

function fromRecording(recording: Recording, frames: number[]): { scene: RecordedScene; ids: number[]; times: Float64Array; poses: Float32Array } {
  const t = recording.trajectory;
  const n = t.bodyIds.length;
  const poses = new Float32Array(frames.length * n * POSE);
  frames.forEach((f, k) => {
    for (let b = 0; b < n; b++) {
      const o = (k * n + b) * POSE;
      const p = (f * n + b) * 3;
      const q = (f * n + b) * 4;
      poses.set([t.position[p], t.position[p + 1], t.position[p + 2], t.orientation[q], t.orientation[q + 1], t.orientation[q + 2], t.orientation[q + 3]], o);
    }
  });
  return { scene: recording.scene, ids: Array.from(t.bodyIds), times: Float64Array.from(frames, (f) => t.time[f]), poses };
}

function fromEngine(engine: Engine): { scene: RecordedScene; ids: number[]; times: Float64Array; poses: Float32Array } {
  const states = engine.getFrameState().states;
  const scene = sceneOf(engine, states);
  const moving = states.filter((s) => !s.is_environment);
  const poses = new Float32Array(moving.length * POSE);
  moving.forEach((s, i) => {
    const { position: p, orientation: q } = s;
    poses.set([p.x, p.y, p.z, q.w, q.x, q.y, q.z], i * POSE);
  });
  return { scene, ids: moving.map((s) => s.body_id), times: Float64Array.of(engine.time), poses };
}

