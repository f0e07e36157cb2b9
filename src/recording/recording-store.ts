// Writes one recording into SQLite, synchronously (on the writer thread, or inline). The file is
// built under a hidden temporary name next to its final one and only published (hard-linked to
// its final name, or renamed over it with `overwrite`) when finished, so a recording that is cut short never shows up half-written, and a
// failing one never touches anything but its own temporary file.
import Database from "better-sqlite3";
import * as fs from "fs";
import * as nodePath from "path";
import type { AssetGeometry, BodyMetadata } from "../server/frames";
import { describeFileError } from "./file-errors";
import { ENERGY_STRIDE, HOST_LITTLE_ENDIAN, RECORDING_KIND, RECORDING_SCHEMA_VERSION, SCHEMA_V1, STATE_STRIDE } from "./format";
import { Header, packetSections } from "./frame-packet";

/** What a recording says about itself (the `recording` table). */
export interface RecordingHeader {
  simulationId: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** The msd-lab version that wrote it. */
  engineVersion: string;
  /** Nominal seconds between frames; 0: worked out from the frames when finished. */
  timestepS: number;
  gravity: [number, number, number];
  maxStepS: number;
  substeps: number;
}

/** Bodies that appeared (all of the scene's, in id order) and the assets not sent before. */
export interface SceneUpdate {
  bodies: BodyMetadata[];
  assets: AssetGeometry[];
}

export interface RecordingSummary {
  /** Where the finished recording is. */
  path: string;
  simulationId: string;
  frames: number;
  /** Simulated seconds from the first frame to the last. */
  durationS: number;
  /** Size of the file. */
  bytes: number;
}

/** Frames per transaction: the temporary file needs no durability, only bounded memory. */
const FRAMES_PER_TRANSACTION = 32;

export class RecordingStore {
  private readonly db: Database.Database;
  private readonly insertFrame: Database.Statement;
  private readonly insertScene: Database.Statement;
  private readonly insertBody: Database.Statement;
  private readonly insertAsset: Database.Statement;
  private frames = 0;
  private inTransaction = false;
  private sceneId = 0;
  private scenePending = false;
  private lastDataFrame = -1;
  private lastEnergy: [number, number, number] = [0, 0, 0];
  private firstTime = 0;
  private lastTime = 0;
  private closed = false;

  /** Opens `tempPath` (an empty file made by the caller) and writes the schema and the header. */
  constructor(private readonly tempPath: string, private readonly finalPath: string, private readonly header: RecordingHeader, private readonly overwrite = false) {
    try {
      this.db = new Database(tempPath, { fileMustExist: true });
    } catch (error) {
      fs.rmSync(tempPath, { force: true });
      throw new Error(`cannot record to "${finalPath}": ${describeFileError(error)}`);
    }
    try {
      // The temporary file only matters once finished (then it is synced), so no journal, no syncs.
      this.db.pragma("page_size = 16384");
      this.db.pragma("journal_mode = MEMORY");
      this.db.pragma("synchronous = OFF");
      this.db.pragma("locking_mode = EXCLUSIVE");
      this.db.exec(SCHEMA_V1);
      this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)").run("kind", RECORDING_KIND, "schema_version", String(RECORDING_SCHEMA_VERSION));
      this.db.prepare(`INSERT INTO recording (id, simulation_id, name, created_at, engine_version, timestep_s, gravity_x, gravity_y, gravity_z,
        max_step_s, substeps, total_frames, duration_s) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`).run(
        header.simulationId, header.name, header.createdAt, header.engineVersion, header.timestepS, ...header.gravity, header.maxStepS, header.substeps,
      );
      this.insertFrame = this.db.prepare(`INSERT INTO frames (frame_id, simulation_time, step_dt, scene_id, data_frame, states, contacts, friction, energies,
        solver_iterations, solver_residual, solver_converged, solver_constraints, solver_contacts, linear_ke, rotational_ke, potential_e)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      this.insertScene = this.db.prepare("INSERT INTO scenes (scene_id, body_ids, environment_states) VALUES (?, ?, ?)");
      this.insertBody = this.db.prepare(`INSERT OR REPLACE INTO bodies (body_id, asset_id, asset_name, mass, restitution, friction, is_environment)
        VALUES (?, ?, ?, ?, ?, ?, ?)`);
      this.insertAsset = this.db.prepare("INSERT OR IGNORE INTO assets (asset_id, name, positions) VALUES (?, ?, ?)");
    } catch (error) {
      this.discard();
      throw this.failure(error);
    }
  }

  /** Bodies came or went: their metadata, and a new scene row with the next frame. */
  scene(update: SceneUpdate): void {
    this.guard(() => {
      this.begin();
      for (const b of update.bodies) {
        this.insertBody.run(b.body_id, b.asset_id, b.asset_name, b.mass, b.restitution, b.friction, b.is_environment ? 1 : 0);
      }
      for (const a of update.assets) this.insertAsset.run(a.asset_id, a.name, blob(Float64Array.from(a.positions)));
      this.scenePending = true;
    });
  }

  /** Appends the next frame (ids count from 0). */
  frame(packet: Float64Array): void {
    this.guard(() => {
      this.begin();
      const frameId = this.frames;
      const time = packet[Header.simulationTime];
      const unchanged = packet[Header.unchanged] === 1 && this.lastDataFrame >= 0 && !this.scenePending;
      let dataFrame = frameId;
      let blobs: (Buffer | null)[] = [null, null, null, null];
      if (unchanged) {
        dataFrame = this.lastDataFrame;
      } else {
        if (packet[Header.unchanged] === 1) throw new Error(`frame ${frameId} repeats an earlier frame, but no earlier frame holds data`);
        const s = packetSections(packet);
        const dynamic = packet[Header.dynamicCount];
        if (this.scenePending || this.sceneId === 0) this.addScene(s.states, dynamic);
        const dynamicStates = s.states.subarray(0, dynamic * STATE_STRIDE);
        const energies = s.energies.subarray(0, dynamic * ENERGY_STRIDE);
        this.lastEnergy = sumEnergies(energies);
        this.lastDataFrame = frameId;
        blobs = [blob(dynamicStates), blob(s.contacts), blob(s.friction), blob(energies)];
      }
      this.insertFrame.run(
        frameId, time, packet[Header.stepDt], this.sceneId, dataFrame, ...blobs,
        packet[Header.solverIterations], packet[Header.solverResidual], packet[Header.solverConverged], packet[Header.solverConstraints], packet[Header.solverContacts],
        ...this.lastEnergy,
      );
      if (frameId === 0) this.firstTime = time;
      this.lastTime = time;
      this.frames++;
      if (this.frames % FRAMES_PER_TRANSACTION === 0) this.commit();
    });
  }

  /**
   * Completes the file and publishes it under its final name. `keepFrames`: drop the frames from
   * that id on (captured, but never shown to anyone). `timestepS`: the nominal time between frames,
   * when it was not known at the start.
   */
  finish(keepFrames?: number, timestepS?: number): RecordingSummary {
    return this.guard(() => {
      this.begin();
      if (keepFrames !== undefined && keepFrames < this.frames) {
        this.db.prepare("DELETE FROM frames WHERE frame_id >= ?").run(keepFrames);
        this.db.prepare("DELETE FROM scenes WHERE scene_id NOT IN (SELECT DISTINCT scene_id FROM frames)").run();
        this.frames = Math.max(0, keepFrames);
        const last = this.db.prepare<[], { t: number | null }>("SELECT MAX(simulation_time) AS t FROM frames").get();
        this.lastTime = last?.t ?? this.firstTime;
      }
      const duration = this.frames > 0 ? this.lastTime - this.firstTime : 0;
      const given = timestepS !== undefined && timestepS > 0 ? timestepS : this.header.timestepS;
      const timestep = given > 0 ? given : this.frames > 1 ? duration / (this.frames - 1) : 0;
      this.db.prepare("UPDATE recording SET total_frames = ?, duration_s = ?, timestep_s = ?, finished_at = ? WHERE id = 1").run(
        this.frames, duration, timestep, new Date().toISOString(),
      );
      this.commit();
      this.db.close();
      this.closed = true;
      syncFile(this.tempPath);
      publish(this.tempPath, this.finalPath, this.overwrite);
      return { path: this.finalPath, simulationId: this.header.simulationId, frames: this.frames, durationS: duration, bytes: fs.statSync(this.finalPath).size };
    });
  }

  /** Drops the recording: nothing is published. */
  abort(): void {
    this.discard();
  }

  private addScene(states: Float64Array, dynamic: number): void {
    const ids = new Float64Array(dynamic);
    for (let k = 0; k < dynamic; k++) ids[k] = states[k * STATE_STRIDE];
    this.sceneId++;
    this.insertScene.run(this.sceneId, blob(ids), blob(states.subarray(dynamic * STATE_STRIDE)));
    this.scenePending = false;
  }

  private begin(): void {
    if (this.closed) throw new Error("the recording is already finished");
    if (this.inTransaction) return;
    this.db.exec("BEGIN");
    this.inTransaction = true;
  }

  private commit(): void {
    if (!this.inTransaction) return;
    this.db.exec("COMMIT");
    this.inTransaction = false;
  }

  /** Runs a step; any failure discards the file and is rethrown naming the recording. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      this.discard();
      throw this.failure(error);
    }
  }

  private failure(error: unknown): Error {
    const text = describeFileError(error);
    return new Error(text.startsWith("recording ") || text.startsWith("cannot record") ? text : `recording "${this.finalPath}" failed: ${text}`);
  }

  private discard(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.db?.close();
      } catch {
        // Closing a connection whose file is gone or broken: nothing left to save.
      }
    }
    fs.rmSync(this.tempPath, { force: true });
  }
}

/** Little-endian bytes of `values` (a view when the host is little-endian: no copy). */
export function blob(values: Float64Array): Buffer {
  const view = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return HOST_LITTLE_ENDIAN ? view : Buffer.from(view).swap64();
}

function sumEnergies(energies: Float64Array): [number, number, number] {
  // Summed in frame order (dynamic bodies by id), as World::energy() sums them: the same doubles.
  let linear = 0, rotational = 0, potential = 0;
  for (let k = 0; k < energies.length; k += ENERGY_STRIDE) {
    linear += energies[k];
    rotational += energies[k + 1];
    potential += energies[k + 2];
  }
  return [linear, rotational, potential];
}

function syncFile(path: string): void {
  const fd = fs.openSync(path, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves the finished (and synced) file to its final name, then syncs the directory so that the
 * new name survives a crash. Without `overwrite` an existing file is never replaced (a hard link
 * fails if the name is taken); with it, a rename replaces it atomically.
 */
function publish(temp: string, final: string, overwrite: boolean): void {
  try {
    if (overwrite) {
      fs.renameSync(temp, final);
    } else {
      try {
        fs.linkSync(temp, final);
        fs.rmSync(temp, { force: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") throw new Error(`"${final}" already exists`);
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
        if (fs.existsSync(final)) throw new Error(`"${final}" already exists`);
        fs.renameSync(temp, final); // a file system without hard links
      }
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(nodePath.dirname(final));
}

/**
 * fsync of a directory: makes a link or rename in it durable. Best effort: where directories cannot
 * be synced (Windows, some network file systems) the new name is as durable as the file system
 * makes it, and the recording is published either way.
 */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Not supported here: nothing more to do.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
