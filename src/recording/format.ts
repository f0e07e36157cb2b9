// The recording file format, version 1 (docs/recording-format.md explains every column). One
// SQLite file per recording; per frame one row whose body states, contacts, friction and energies
// are packed little-endian Float64 BLOBs in the engine's own array layouts, so writing a frame is
// a handful of memcpys and reading one is a handful of typed-array views.

/** `meta.kind` of a recording: tells our files from other SQLite files (an assets database, say). */
export const RECORDING_KIND = "msd-lab-recording";
/** The schema version this msd-lab writes (and the newest it reads). */
export const RECORDING_SCHEMA_VERSION = 1;

// The engine's packed layouts (stateArray, frictionArray, contactsArray) have one definition, the
// engine's; the file stores them as they are.
export { CONTACT_HEADER, CONTACT_POINT, FRICTION_STRIDE, STATE_STRIDE } from "../engine/types";
/** Doubles per body in `frames.energies`: linear, rotational, potential. */
export const ENERGY_STRIDE = 3;

/** Whether this machine stores doubles little-endian, as the file's BLOBs are (else bytes are swapped). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * Version 1. Created with a 16 KiB page size: a frame's blobs are tens to hundreds of KiB, and
 * bigger pages keep their overflow chains short.
 */
export const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE recording (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  simulation_id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  timestep_s REAL NOT NULL,
  gravity_x REAL NOT NULL,
  gravity_y REAL NOT NULL,
  gravity_z REAL NOT NULL,
  max_step_s REAL NOT NULL,
  substeps INTEGER NOT NULL,
  total_frames INTEGER NOT NULL,
  duration_s REAL NOT NULL,
  finished_at TEXT
);
CREATE TABLE bodies (
  body_id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL,
  asset_name TEXT NOT NULL,
  mass REAL NOT NULL,
  restitution REAL NOT NULL,
  friction REAL NOT NULL,
  is_environment INTEGER NOT NULL
);
CREATE TABLE assets (
  asset_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  positions BLOB NOT NULL
);
CREATE TABLE scenes (
  scene_id INTEGER PRIMARY KEY,
  body_ids BLOB NOT NULL,
  environment_states BLOB NOT NULL
);
CREATE TABLE frames (
  frame_id INTEGER PRIMARY KEY,
  simulation_time REAL NOT NULL,
  step_dt REAL NOT NULL,
  scene_id INTEGER NOT NULL REFERENCES scenes (scene_id),
  data_frame INTEGER NOT NULL,
  states BLOB,
  contacts BLOB,
  friction BLOB,
  energies BLOB,
  solver_iterations INTEGER NOT NULL,
  solver_residual REAL NOT NULL,
  solver_converged INTEGER NOT NULL,
  solver_constraints INTEGER NOT NULL,
  solver_contacts INTEGER NOT NULL,
  linear_ke REAL NOT NULL,
  rotational_ke REAL NOT NULL,
  potential_e REAL NOT NULL
);`;

/** Recording ids (file names without `.db`): checked before any file is touched (docs/replay-api.md). */
export const RECORDING_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isRecordingId(id: string): boolean {
  return RECORDING_ID_PATTERN.test(id);
}
