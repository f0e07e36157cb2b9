// Reads a recording file: its metadata, frames (whole, in the engine's packed layouts), series per
// body or for the system, and its assets. Frames come back as typed arrays; the REST routes and
// the notebook helpers turn them into JSON or trajectories.
import type { AssetGeometry, BodyMetadata } from "../server/frames";
import type { Energy, SolverStats } from "../engine/types";
import { CONTACT_HEADER, CONTACT_POINT, ENERGY_STRIDE, FRICTION_STRIDE, STATE_STRIDE } from "./format";
import { FrameBlobs, FrameRow, openRecordingSource, RecordingDamaged, RecordingInfo, RecordingSource, SceneRow } from "./recording-source";

export interface RecordingMetadata extends RecordingInfo {
  schemaVersion: number;
  /** Every body that appeared in the recording, environment included, by id. */
  bodies: BodyMetadata[];
}

export interface FrameInfo {
  frameId: number;
  simulationTime: number;
}

/** One recorded frame in the engine's packed layouts. */
export interface RecordedFrame {
  frameId: number;
  simulationTime: number;
  /** Length of the step that led to this frame, s (0 for a frame before any step). */
  stepDt: number;
  /** stateArray() of every body (STATE_STRIDE each): dynamic bodies by id, then environment bodies by id. */
  states: Float64Array;
  /** How many of `states` are dynamic bodies (they come first). */
  dynamicCount: number;
  /** contactsArray() of the step. */
  contacts: Float64Array;
  /** frictionArray() of the step (one FRICTION_STRIDE record per contact of `contacts`). */
  friction: Float64Array;
  /** [linear, rotational, potential] per dynamic body, in `states` order. */
  energies: Float64Array;
  solver: SolverStats;
  /** The system's energy. */
  energy: Energy;
}

export interface SystemEnergyPoint extends FrameInfo {
  linear: number;
  rotational: number;
  potential: number;
  total: number;
  /** total − the previous frame's total (0 for the first frame). */
  delta: number;
}

export interface BodyEnergyPoint extends FrameInfo {
  linear: number;
  rotational: number;
  potential: number;
  total: number;
}

export interface BodyVelocityPoint extends FrameInfo {
  velocity: [number, number, number];
  angularVelocity: [number, number, number];
}

export class RecordingReader {
  private readonly source: RecordingSource;
  private cachedMetadata: RecordingMetadata | undefined;
  private cachedFrames: FrameRow[] | undefined;
  private cachedScenes: Map<number, SceneRow> | undefined;
  private cachedAssets: AssetGeometry[] | undefined;
  /** The last data frame's blobs: consecutive frames of a resting scene share them. */
  private lastBlobs: { dataFrame: number; blobs: FrameBlobs } | undefined;
  private closed = false;

  private constructor(readonly path: string) {
    this.source = openRecordingSource(path);
  }

  /** Opens a recording file; throws naming the file when it is missing, not a recording, or too new. */
  static open(path: string): RecordingReader {
    return new RecordingReader(path);
  }

  get schemaVersion(): number {
    return this.source.schemaVersion;
  }

  metadata(): RecordingMetadata {
    this.cachedMetadata ??= this.read((source) => ({ ...source.info(), schemaVersion: source.schemaVersion, bodies: source.bodies() }));
    return this.cachedMetadata;
  }

  /** Every frame's id and time, in order. */
  frames(): FrameInfo[] {
    return this.frameRows().map((f) => ({ frameId: f.frameId, simulationTime: f.simulationTime }));
  }

  get frameCount(): number {
    return this.frameRows().length;
  }

  /** The frame with this id, or undefined. */
  frame(frameId: number): RecordedFrame | undefined {
    const row = this.row(frameId);
    return row === undefined ? undefined : this.decode(row);
  }

  /**
   * Frames with ids start … start + count − 1 that exist, in order, all decoded at once: for big
   * scenes prefer `framesFrom`, which decodes one frame at a time.
   */
  frameRange(start: number, count: number): RecordedFrame[] {
    return [...this.framesFrom(start, count)];
  }

  /** As frameRange, one frame at a time (stop iterating and the rest is never read). */
  *framesFrom(start: number, count: number): Generator<RecordedFrame, void, undefined> {
    for (let id = start; id < start + count; id++) {
      const frame = this.frame(id);
      if (frame) yield frame;
      else if (id >= this.lastFrameId()) return;
    }
  }

  /** Whether a frame with this id exists (without reading it). */
  hasFrame(frameId: number): boolean {
    return this.row(frameId) !== undefined;
  }

  /** The system's energy per frame. */
  systemEnergy(): SystemEnergyPoint[] {
    let previous: number | undefined;
    return this.frameRows().map((f) => {
      const total = f.linearKe + f.rotationalKe + f.potentialE;
      const delta = previous === undefined ? 0 : total - previous;
      previous = total;
      return { frameId: f.frameId, simulationTime: f.simulationTime, linear: f.linearKe, rotational: f.rotationalKe, potential: f.potentialE, total, delta };
    });
  }

  /** One body's energy per frame it exists in; undefined for a body the recording never had. */
  bodyEnergy(bodyId: number): BodyEnergyPoint[] | undefined {
    const points = this.bodySeries(bodyId, "energies", ENERGY_STRIDE, 0, ENERGY_STRIDE);
    return points?.map(({ frameId, simulationTime, values: e }) => {
      const linear = e[0] ?? 0, rotational = e[1] ?? 0, potential = e[2] ?? 0;
      return { frameId, simulationTime, linear, rotational, potential, total: linear + rotational + potential };
    });
  }

  /** One body's velocity and ω per frame it exists in; undefined for a body the recording never had. */
  bodyVelocity(bodyId: number): BodyVelocityPoint[] | undefined {
    const points = this.bodySeries(bodyId, "states", STATE_STRIDE, 8, 6);
    return points?.map(({ frameId, simulationTime, values: v }) => ({
      frameId,
      simulationTime,
      velocity: [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0],
      angularVelocity: [v[3] ?? 0, v[4] ?? 0, v[5] ?? 0],
    }));
  }

  /** Collision geometry of every asset the recording uses, by id. */
  assets(): AssetGeometry[] {
    this.cachedAssets ??= this.read((source) => source.assets());
    return this.cachedAssets;
  }

  /** The scenes (body sets) of the recording; most recordings have one. */
  scenes(): SceneRow[] {
    return [...this.sceneMap().values()];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
  }

  /** Runs a read on the open file; SQLite's "this file is corrupt" becomes RecordingDamaged. */
  private read<T>(work: (source: RecordingSource) => T): T {
    if (this.closed) throw new Error(`recording "${this.path}" is closed`);
    try {
      return work(this.source);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB" || code === "SQLITE_FORMAT")) {
        throw new RecordingDamaged(`the file is corrupt (${code}: ${(error as Error).message})`);
      }
      throw error;
    }
  }

  private frameRows(): FrameRow[] {
    this.cachedFrames ??= this.read((source) => source.frames());
    return this.cachedFrames;
  }

  private lastFrameId(): number {
    const rows = this.frameRows();
    return rows.length === 0 ? -1 : rows[rows.length - 1].frameId;
  }

  private sceneMap(): Map<number, SceneRow> {
    this.cachedScenes ??= new Map(this.read((source) => source.scenes()).map((s) => [s.sceneId, s]));
    return this.cachedScenes;
  }

  private row(frameId: number): FrameRow | undefined {
    const rows = this.frameRows();
    if (!Number.isSafeInteger(frameId) || frameId < 0) return undefined;
    // Frame ids count from 0 without gaps, so the id is the index; search if a file says otherwise.
    const guess = rows[frameId];
    return guess?.frameId === frameId ? guess : rows.find((f) => f.frameId === frameId);
  }

  private decode(row: FrameRow): RecordedFrame {
    const scene = this.sceneMap().get(row.sceneId);
    if (!scene) throw new RecordingDamaged(`frame ${row.frameId} refers to scene ${row.sceneId}, which the file does not have`);
    const blobs = this.blobs(row.dataFrame);
    checkFrame(row, scene, blobs);
    const dynamicCount = blobs.states.length / STATE_STRIDE;
    const states = new Float64Array(blobs.states.length + scene.environment.length);
    states.set(blobs.states);
    states.set(scene.environment, blobs.states.length);
    return {
      frameId: row.frameId,
      simulationTime: row.simulationTime,
      stepDt: row.stepDt,
      states,
      dynamicCount,
      contacts: blobs.contacts,
      friction: blobs.friction,
      energies: blobs.energies,
      solver: {
        iterations: row.solverIterations,
        residual: row.solverResidual,
        converged: row.solverConverged,
        numConstraints: row.solverConstraints,
        numContacts: row.solverContacts,
      },
      energy: { linear: row.linearKe, rotational: row.rotationalKe, potential: row.potentialE, total: row.linearKe + row.rotationalKe + row.potentialE },
    };
  }

  private blobs(dataFrame: number): FrameBlobs {
    if (this.lastBlobs?.dataFrame === dataFrame) return this.lastBlobs.blobs;
    const blobs = this.read((source) => source.blobs(dataFrame));
    if (!blobs) throw new RecordingDamaged(`frame ${dataFrame} holds no data`);
    this.lastBlobs = { dataFrame, blobs };
    return blobs;
  }

  /**
   * `count` values from `offset` of a body's record in `column`, per frame it exists in. Dynamic
   * bodies are read from the frames (only those bytes); environment bodies never move: zeros.
   */
  private bodySeries(bodyId: number, column: "states" | "energies", stride: number, offset: number, count: number): { frameId: number; simulationTime: number; values: ArrayLike<number> }[] | undefined {
    const body = this.metadata().bodies.find((b) => b.body_id === bodyId);
    if (!body) return undefined;
    const points: { frameId: number; simulationTime: number; values: ArrayLike<number> }[] = [];
    for (const scene of this.sceneMap().values()) {
      const index = scene.bodyIds.indexOf(bodyId);
      if (index >= 0) {
        const bytes = scene.bodyIds.length * stride * 8;
        for (const slice of this.read((source) => source.slices(column, scene.sceneId, index * stride + offset, count))) {
          if (slice.blobBytes !== bytes) {
            throw new RecordingDamaged(`frames.${column} of frame ${slice.frameId} has ${slice.blobBytes} bytes; its scene ${scene.sceneId} has ${scene.bodyIds.length} bodies (${bytes} bytes)`);
          }
          points.push(slice);
        }
        continue;
      }
      if (!environmentHas(scene, bodyId)) continue;
      for (const f of this.frameRows()) {
        if (f.sceneId === scene.sceneId) points.push({ frameId: f.frameId, simulationTime: f.simulationTime, values: new Float64Array(count) });
      }
    }
    return points.sort((a, b) => a.frameId - b.frameId);
  }
}

/**
 * Checks that a frame's arrays fit together (as the engine wrote them), so that a damaged file is
 * reported as such instead of turning into wrong numbers: states for exactly the scene's dynamic
 * bodies, whole environment records, one energy record per body, contacts whose point counts stay
 * within the array, and one friction record per contact.
 */
function checkFrame(row: FrameRow, scene: SceneRow, blobs: FrameBlobs): void {
  const where = `frame ${row.frameId}${row.dataFrame === row.frameId ? "" : ` (data of frame ${row.dataFrame})`}`;
  const dynamic = scene.bodyIds.length;
  if (blobs.states.length !== dynamic * STATE_STRIDE) {
    throw new RecordingDamaged(`${where} has ${blobs.states.length} state values; its scene ${scene.sceneId} has ${dynamic} bodies (${dynamic * STATE_STRIDE} values)`);
  }
  if (scene.environment.length % STATE_STRIDE !== 0) throw new RecordingDamaged(`scene ${scene.sceneId} has ${scene.environment.length} environment state values, not a multiple of ${STATE_STRIDE}`);
  if (blobs.energies.length !== dynamic * ENERGY_STRIDE) {
    throw new RecordingDamaged(`${where} has ${blobs.energies.length} energy values for ${dynamic} bodies (${dynamic * ENERGY_STRIDE} expected)`);
  }
  const contacts = blobs.contacts;
  let count = 0;
  for (let i = 0; i < contacts.length; count++) {
    const points = contacts[i + 5];
    const end = i + CONTACT_HEADER + CONTACT_POINT * points;
    if (i + CONTACT_HEADER > contacts.length || !Number.isInteger(points) || points < 0 || end > contacts.length) {
      throw new RecordingDamaged(`${where}: contact ${count} runs past the end of the contacts (${contacts.length} values)`);
    }
    i = end;
  }
  if (blobs.friction.length !== count * FRICTION_STRIDE) {
    throw new RecordingDamaged(`${where} has ${blobs.friction.length} friction values for ${count} contacts (${count * FRICTION_STRIDE} expected)`);
  }
}

function environmentHas(scene: SceneRow, bodyId: number): boolean {
  for (let k = 0; k < scene.environment.length; k += STATE_STRIDE) if (scene.environment[k] === bodyId) return true;
  return false;
}
