// Opening a recording file for reading: is it a recording at all, which schema version, and the
// adapter that reads that version into the one model the reader works with (RecordingSource).
// Only version 1 exists; a version 2 adds its own adapter here and keeps v1's, so old files stay
// readable without being rewritten.
import Database from "better-sqlite3";
import * as fs from "fs";
import type { AssetGeometry, BodyMetadata } from "../server/frames";
import { describeFileError } from "./file-errors";
import { HOST_LITTLE_ENDIAN, RECORDING_KIND, RECORDING_SCHEMA_VERSION } from "./format";
import type { RecordingHeader } from "./recording-store";

/**
 * The file is a recording, but some of its data is damaged (a BLOB of the wrong length, arrays
 * that do not fit together, SQLite pages that are corrupt). The message says what, without paths.
 */
export class RecordingDamaged extends Error {
  constructor(what: string) {
    super(what);
    this.name = "RecordingDamaged";
  }
}

/** What a directory listing needs of a recording: the `recording` table and how many bodies. */
export interface RecordingSummaryInfo {
  schemaVersion: number;
  info: RecordingInfo;
  bodies: number;
}

/** The `recording` table: what the writer said at the start, and what finishing added. */
export interface RecordingInfo extends RecordingHeader {
  totalFrames: number;
  durationS: number;
  finishedAt: string | null;
}

export interface SceneRow {
  sceneId: number;
  /** Dynamic bodies of the scene, in the order of each frame's states. */
  bodyIds: Float64Array;
  /** The environment bodies' stateArray records (they never move). */
  environment: Float64Array;
}

/** A frame's row without its blobs. */
export interface FrameRow {
  frameId: number;
  simulationTime: number;
  stepDt: number;
  sceneId: number;
  /** The frame whose blobs hold this frame's data (itself, or an earlier identical one). */
  dataFrame: number;
  solverIterations: number;
  solverResidual: number;
  solverConverged: boolean;
  solverConstraints: number;
  solverContacts: number;
  linearKe: number;
  rotationalKe: number;
  potentialE: number;
}

export interface FrameBlobs {
  /** Dynamic bodies' states (STATE_STRIDE each). */
  states: Float64Array;
  contacts: Float64Array;
  friction: Float64Array;
  /** Dynamic bodies' energies (ENERGY_STRIDE each). */
  energies: Float64Array;
}

/** One value range of one blob column per frame of a scene: for per-body series. */
export interface SliceRow {
  frameId: number;
  simulationTime: number;
  values: Float64Array;
  /** Bytes of the whole BLOB the slice is from (to check it against the scene). */
  blobBytes: number;
}

/** Everything the reader needs from a file, whatever its schema version. */
export interface RecordingSource {
  readonly schemaVersion: number;
  info(): RecordingInfo;
  /** How many bodies (environment included), without reading them. */
  bodyCount(): number;
  bodies(): BodyMetadata[];
  assets(): AssetGeometry[];
  scenes(): SceneRow[];
  frames(): FrameRow[];
  blobs(dataFrame: number): FrameBlobs | undefined;
  /** `count` doubles from `first` (in doubles) of the `column` blob, for every frame of `sceneId`. */
  slices(column: "states" | "energies", sceneId: number, first: number, count: number): SliceRow[];
  close(): void;
}

/**
 * The listing facts of the recording at `path` (a few small queries; no frames, bodies or assets
 * are read); the file is closed again. Throws as openRecordingSource.
 */
export function readRecordingSummary(path: string): RecordingSummaryInfo {
  const source = openRecordingSource(path);
  try {
    return { schemaVersion: source.schemaVersion, info: source.info(), bodies: source.bodyCount() };
  } finally {
    source.close();
  }
}

/** Opens `path` as a recording; errors say why it cannot be read. */
export function openRecordingSource(path: string): RecordingSource {
  if (!fs.existsSync(path)) throw new Error(`recording "${path}" does not exist`);
  if (!fs.statSync(path).isFile()) throw new Error(`recording "${path}" is not a file`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open recording "${path}": ${describeFileError(error)}`);
  }
  try {
    const version = schemaVersionOf(db, path);
    const adapter = ADAPTERS[version];
    if (!adapter) throw new Error(`recording "${path}" has schema version ${version}, which this msd-lab cannot read`);
    return adapter(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The file's schema version, after checking that it is a recording this msd-lab can read. */
function schemaVersionOf(db: Database.Database, path: string): number {
  const notARecording = (why: string): Error => new Error(`"${path}" is not an msd-lab recording (${why})`);
  let meta: Map<string, string>;
  try {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (hasMeta === undefined) throw notARecording("it has no meta table");
    const rows = db.prepare<[], { key: string; value: string }>("SELECT key, value FROM meta").all();
    meta = new Map(rows.map((row) => [String(row.key), String(row.value)]));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_NOTADB") throw notARecording("it is not an SQLite file");
    if (code !== undefined && code.startsWith("SQLITE_")) throw notARecording(describeFileError(error));
    throw error;
  }
  const kind = meta.get("kind");
  if (kind !== RECORDING_KIND) throw notARecording(`its kind is ${JSON.stringify(kind ?? null)}, not "${RECORDING_KIND}"`);
  const version = Number(meta.get("schema_version"));
  if (!Number.isInteger(version) || version < 1) throw notARecording(`its schema_version is ${JSON.stringify(meta.get("schema_version") ?? null)}`);
  if (version > RECORDING_SCHEMA_VERSION) {
    throw new Error(`recording "${path}" has schema version ${version}; this msd-lab reads up to ${RECORDING_SCHEMA_VERSION} — upgrade msd-lab`);
  }
  return version;
}

/** Readers per schema version. */
const ADAPTERS: Record<number, (db: Database.Database) => RecordingSource> = {
  1: (db) => new SourceV1(db),
};

interface FrameRowV1 {
  frame_id: number;
  simulation_time: number;
  step_dt: number;
  scene_id: number;
  data_frame: number;
  solver_iterations: number;
  solver_residual: number;
  solver_converged: number;
  solver_constraints: number;
  solver_contacts: number;
  linear_ke: number;
  rotational_ke: number;
  potential_e: number;
}

class SourceV1 implements RecordingSource {
  readonly schemaVersion = 1;
  private readonly selectBlobs: Database.Statement<[number], { states: Buffer | null; contacts: Buffer | null; friction: Buffer | null; energies: Buffer | null }>;

  constructor(private readonly db: Database.Database) {
    this.selectBlobs = db.prepare("SELECT states, contacts, friction, energies FROM frames WHERE frame_id = ?");
  }

  info(): RecordingInfo {
    const r = this.db.prepare<[], Record<string, unknown>>("SELECT * FROM recording WHERE id = 1").get();
    if (r === undefined) throw new Error("the recording table is empty");
    return {
      simulationId: String(r.simulation_id),
      name: String(r.name),
      createdAt: String(r.created_at),
      engineVersion: String(r.engine_version),
      timestepS: Number(r.timestep_s),
      gravity: [Number(r.gravity_x), Number(r.gravity_y), Number(r.gravity_z)],
      maxStepS: Number(r.max_step_s),
      substeps: Number(r.substeps),
      totalFrames: Number(r.total_frames),
      durationS: Number(r.duration_s),
      finishedAt: r.finished_at === null ? null : String(r.finished_at),
    };
  }

  bodyCount(): number {
    const row = this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM bodies").get();
    return row?.n ?? 0;
  }

  bodies(): BodyMetadata[] {
    const rows = this.db.prepare<[], Omit<BodyMetadata, "is_environment"> & { is_environment: number }>(
      "SELECT body_id, asset_id, asset_name, mass, restitution, friction, is_environment FROM bodies ORDER BY body_id",
    ).all();
    return rows.map((b) => ({ ...b, is_environment: b.is_environment === 1 }));
  }

  assets(): AssetGeometry[] {
    const rows = this.db.prepare<[], { asset_id: number; name: string; positions: Buffer }>("SELECT asset_id, name, positions FROM assets ORDER BY asset_id").all();
    return rows.map((a) => {
      const positions = Array.from(floats(a.positions, `assets.positions of asset ${a.asset_id}`));
      return { asset_id: a.asset_id, name: a.name, positions, vertex_count: positions.length / 3 };
    });
  }

  scenes(): SceneRow[] {
    const rows = this.db.prepare<[], { scene_id: number; body_ids: Buffer; environment_states: Buffer }>("SELECT scene_id, body_ids, environment_states FROM scenes ORDER BY scene_id").all();
    return rows.map((s) => ({
      sceneId: s.scene_id,
      bodyIds: floats(s.body_ids, `scenes.body_ids of scene ${s.scene_id}`),
      environment: floats(s.environment_states, `scenes.environment_states of scene ${s.scene_id}`),
    }));
  }

  frames(): FrameRow[] {
    const rows = this.db.prepare<[], FrameRowV1>(`SELECT frame_id, simulation_time, step_dt, scene_id, data_frame, solver_iterations, solver_residual,
      solver_converged, solver_constraints, solver_contacts, linear_ke, rotational_ke, potential_e FROM frames ORDER BY frame_id`).all();
    return rows.map((f) => ({
      frameId: f.frame_id,
      simulationTime: f.simulation_time,
      stepDt: f.step_dt,
      sceneId: f.scene_id,
      dataFrame: f.data_frame,
      solverIterations: f.solver_iterations,
      solverResidual: f.solver_residual,
      solverConverged: f.solver_converged === 1,
      solverConstraints: f.solver_constraints,
      solverContacts: f.solver_contacts,
      linearKe: f.linear_ke,
      rotationalKe: f.rotational_ke,
      potentialE: f.potential_e,
    }));
  }

  blobs(dataFrame: number): FrameBlobs | undefined {
    const row = this.selectBlobs.get(dataFrame);
    if (row === undefined) return undefined;
    const where = (column: string): string => `frames.${column} of frame ${dataFrame}`;
    return {
      states: floats(row.states, where("states")),
      contacts: floats(row.contacts, where("contacts")),
      friction: floats(row.friction, where("friction")),
      energies: floats(row.energies, where("energies")),
    };
  }

  slices(column: "states" | "energies", sceneId: number, first: number, count: number): SliceRow[] {
    // substr() of a BLOB counts bytes from 1; only the wanted bytes come back to JavaScript.
    const rows = this.db.prepare<[number, number, number], { frame_id: number; simulation_time: number; slice: Buffer | null; size: number | null; data_frame: number }>(
      `SELECT f.frame_id, f.simulation_time, f.data_frame, substr(d.${column}, ?, ?) AS slice, length(d.${column}) AS size FROM frames f
       JOIN frames d ON d.frame_id = f.data_frame WHERE f.scene_id = ? ORDER BY f.frame_id`,
    ).all(first * 8 + 1, count * 8, sceneId);
    return rows.map((r) => ({
      frameId: r.frame_id,
      simulationTime: r.simulation_time,
      values: floats(r.slice, `frames.${column} of frame ${r.data_frame}`),
      blobBytes: r.size ?? 0,
    }));
  }

  close(): void {
    this.db.close();
  }
}

/** A little-endian Float64 BLOB as a Float64Array (an aligned copy). */
export function floats(value: Buffer | null, where: string): Float64Array {
  if (value === null) return new Float64Array(0);
  if (!Buffer.isBuffer(value) || value.length % 8 !== 0) throw new RecordingDamaged(`${where} is not a list of 64-bit numbers`);
  const bytes = new Uint8Array(value.length);
  bytes.set(value);
  const out = new Float64Array(bytes.buffer);
  if (!HOST_LITTLE_ENDIAN) Buffer.from(bytes.buffer).swap64();
  return out;
}
