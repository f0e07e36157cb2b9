// The SQLite assets database: the catalogue plus user-added convex assets.
//
// Schema, version 1:
//
//   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
//     -- rows: ('kind', 'msd-lab-assets'), ('schema_version', '1')
//   CREATE TABLE assets (
//     asset_id       INTEGER PRIMARY KEY,
//     name           TEXT UNIQUE NOT NULL,
//     category       TEXT NOT NULL,
//     collision      TEXT NOT NULL CHECK (collision IN ('hull', 'sphere')),
//     radius         REAL NOT NULL,     -- sphere radius in m; 0 for hulls
//     hull_vertices  BLOB NOT NULL,     -- little-endian Float64 xyz, asset frame; empty for spheres
//     mesh_positions BLOB NOT NULL,     -- little-endian Float32 xyz, asset frame
//     mesh_indices   BLOB NOT NULL      -- little-endian Uint32 triangles, CCW seen from outside
//   );
//
// `kind` tells our files from other SQLite files; `schema_version` lets a future msd-lab change
// the layout while this one refuses files it would misread. A database file is always built
// complete under a temporary name and then published atomically, so no process ever sees a
// half-written catalogue (the default database is created on first use by whichever of several
// parallel processes gets there first).

import Database from "better-sqlite3";
import * as crypto from "crypto";
import * as fs from "fs";
import * as nodePath from "path";
import { catalogueRecords } from "./catalogue";
import { readStlFile, parseStl } from "./stl";
import { flattenPoints } from "./points";
import { packageRoot } from "../package-root";

export type CollisionKind = "hull" | "sphere";

export interface AssetRecord {
  assetId: number;
  name: string;
  category: string;
  collision: CollisionKind;
  /** Kind "hull": flat xyz of the hull's points in the asset frame; empty for spheres. */
  hullVertices: Float64Array;
  /** Kind "sphere": radius in m; 0 for hulls. */
  radius: number;
  /** Render mesh, flat xyz, asset frame. */
  meshPositions: Float32Array;
  /** Render mesh triangles, counter-clockwise seen from outside. */
  meshIndices: Uint32Array;
}

/** Builds the convex hull of flat xyz points (the native addon provides it at run time); throws for degenerate input. */
export interface HullBuilder {
  (points: Float64Array): { vertices: Float64Array; triangles: Uint32Array };
}

export interface AddAssetOptions {
  /** Default "user". */
  category?: string;
}

export const ASSETS_DB_KIND = "msd-lab-assets";
export const ASSETS_SCHEMA_VERSION = 1;
export const MAX_ASSET_NAME_LENGTH = 64;
/** How long a connection waits for another process's write lock before failing, ms. */
const BUSY_TIMEOUT_MS = 10000;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE assets (
  asset_id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  category TEXT NOT NULL,
  collision TEXT NOT NULL CHECK (collision IN ('hull', 'sphere')),
  radius REAL NOT NULL,
  hull_vertices BLOB NOT NULL,
  mesh_positions BLOB NOT NULL,
  mesh_indices BLOB NOT NULL
);`;

interface AssetRow {
  asset_id: number;
  name: string;
  category: string;
  collision: string;
  radius: number;
  hull_vertices: Buffer;
  mesh_positions: Buffer;
  mesh_indices: Buffer;
}

const SELECT_ASSET = "SELECT asset_id, name, category, collision, radius, hull_vertices, mesh_positions, mesh_indices FROM assets";
const INSERT_ASSET = `INSERT INTO assets (asset_id, name, category, collision, radius, hull_vertices, mesh_positions, mesh_indices)
  VALUES (@asset_id, @name, @category, @collision, @radius, @hull_vertices, @mesh_positions, @mesh_indices)`;

export class AssetDatabase {
  /** Absolute path of the database file. */
  readonly path: string;
  private readonly db: Database.Database;
  private closed = false;

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  /** Opens an existing assets database; throws naming the path if it is missing, not SQLite, not ours or too new. */
  static open(path: string): AssetDatabase {
    const absolute = nodePath.resolve(path);
    if (!fs.existsSync(absolute)) throw new Error(`assets database "${absolute}" does not exist`);
    if (!fs.statSync(absolute).isFile()) throw new Error(`assets database "${absolute}" is not a file`);
    const db = new Database(absolute, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      checkIdentity(db, absolute);
    } catch (err) {
      db.close();
      throw err;
    }
    return new AssetDatabase(db, absolute);
  }

  /** Creates a new database file holding the built-in catalogue; throws if the file exists. */
  static create(path: string): AssetDatabase {
    const absolute = nodePath.resolve(path);
    const dir = nodePath.dirname(absolute);
    if (fs.existsSync(absolute)) throw new Error(`assets database "${absolute}" already exists`);
    if (!fs.existsSync(dir)) {
      throw new Error(`cannot create assets database "${absolute}": directory "${dir}" does not exist`);
    }
    if (!createCatalogueFile(absolute)) throw new Error(`assets database "${absolute}" already exists`);
    return AssetDatabase.open(absolute);
  }

  /** The embedded default database `<dataDir>/assets.db`, created (with its directory) on first use. */
  static openDefault(): AssetDatabase {
    const path = AssetDatabase.defaultPath();
    if (!fs.existsSync(path)) {
      fs.mkdirSync(nodePath.dirname(path), { recursive: true });
      createCatalogueFile(path); // false: another process created it first, which is just as good
    }
    return AssetDatabase.open(path);
  }

  /** `<dataDir>/assets.db`, where dataDir is `$MSD_LAB_DATA_DIR` or `<package root>/data`. */
  static defaultPath(): string {
    const fromEnv = process.env.MSD_LAB_DATA_DIR;
    const dataDir = fromEnv ? nodePath.resolve(fromEnv) : nodePath.join(packageRoot(), "data");
    return nodePath.join(dataDir, "assets.db");
  }

  /** Every asset's id and name, ordered by id. */
  list(): { assetId: number; name: string }[] {
    const rows = this.connection()
      .prepare<[], { asset_id: number; name: string }>("SELECT asset_id, name FROM assets ORDER BY asset_id")
      .all();
    return rows.map((row) => ({ assetId: row.asset_id, name: row.name }));
  }

  /** The asset with this name (string) or id (number), or undefined. */
  get(nameOrId: string | number): AssetRecord | undefined {
    const row =
      typeof nameOrId === "number"
        ? this.connection().prepare<[number], AssetRow>(`${SELECT_ASSET} WHERE asset_id = ?`).get(nameOrId)
        : this.connection().prepare<[string], AssetRow>(`${SELECT_ASSET} WHERE name = ?`).get(String(nameOrId));
    return row === undefined ? undefined : decodeRow(row, this.path);
  }

  /** As `get`, but throws `unknown asset "foo"` / `unknown asset id 42`. */
  require(nameOrId: string | number): AssetRecord {
    const record = this.get(nameOrId);
    if (record !== undefined) return record;
    throw new Error(typeof nameOrId === "number" ? `unknown asset id ${nameOrId}` : `unknown asset "${String(nameOrId)}"`);
  }

  /**
   * Adds the convex hull of `points` (flat xyz or [x, y, z] triples, at least 4, in the asset's
   * own frame) as a new asset with the next free id. The hull's vertices become both the
   * collision hull and, with the hull's triangles, the render mesh. Errors from `buildHull`
   * (degenerate input) propagate unchanged.
   */
  addConvexAsset(
    name: string,
    points: ArrayLike<number> | readonly (readonly number[])[],
    buildHull: HullBuilder,
    options?: AddAssetOptions,
  ): AssetRecord {
    this.checkNewName(name);
    const category = checkCategory(options?.category);
    const hull = checkHull(buildHull(flattenPoints(points)));
    return this.insert(name, category, hull);
  }

  /**
   * Adds an asset from an STL file (path) or STL bytes. The asset is the convex hull of the
   * STL's vertices, not the STL surface itself: concave parts are filled in. See addConvexAsset.
   */
  addStlAsset(name: string, stl: string | Uint8Array, buildHull: HullBuilder, options?: AddAssetOptions): AssetRecord {
    this.checkNewName(name);
    const geometry = typeof stl === "string" ? readStlFile(stl) : parseStl(stl);
    return this.addConvexAsset(name, geometry.vertices, buildHull, options);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private connection(): Database.Database {
    if (this.closed) throw new Error(`assets database "${this.path}" is closed`);
    return this.db;
  }

  private checkNewName(name: string): void {
    if (typeof name !== "string" || name.trim().length === 0) {
      throw new Error("asset name must be a non-empty string");
    }
    if (name.length > MAX_ASSET_NAME_LENGTH) {
      throw new Error(`asset name "${name.slice(0, 20)}..." is longer than ${MAX_ASSET_NAME_LENGTH} characters`);
    }
    const taken = this.connection().prepare<[string], { one: number }>("SELECT 1 AS one FROM assets WHERE name = ?").get(name);
    if (taken !== undefined) throw new Error(`asset name "${name}" already exists`);
  }

  private insert(name: string, category: string, hull: { vertices: Float64Array; triangles: Uint32Array }): AssetRecord {
    const db = this.connection();
    // IMMEDIATE takes the write lock first, so two processes adding at once cannot pick the same id.
    const insertNext = db.transaction((): number => {
      const next = db.prepare<[], { next: number }>("SELECT COALESCE(MAX(asset_id), 0) + 1 AS next FROM assets").get();
      const assetId = next === undefined ? 1 : next.next;
      try {
        db.prepare(INSERT_ASSET).run(
          encodeRecord({
            assetId,
            name,
            category,
            collision: "hull",
            hullVertices: hull.vertices,
            radius: 0,
            meshPositions: Float32Array.from(hull.vertices),
            meshIndices: hull.triangles,
          }),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new Error(`asset name "${name}" already exists`);
        throw err;
      }
      return assetId;
    });
    return this.require(insertNext.immediate());
  }
}

/** Throws unless `db` is an msd-lab assets database this version can read. */
function checkIdentity(db: Database.Database, path: string): void {
  const notOurs = (why: string): Error => new Error(`"${path}" is not an msd-lab assets database (${why})`);
  let meta: Map<string, string>;
  try {
    const hasMeta = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
      .get();
    if (hasMeta === undefined) throw notOurs("no meta table");
    const rows = db.prepare<[], { key: string; value: string }>("SELECT key, value FROM meta").all();
    meta = new Map(rows.map((row) => [String(row.key), String(row.value)]));
  } catch (err) {
    if (isSqliteError(err) && (err.code === "SQLITE_NOTADB" || err.code === "SQLITE_ERROR")) {
      throw notOurs(err.code === "SQLITE_NOTADB" ? "not an SQLite file" : err.message);
    }
    throw err;
  }
  if (meta.get("kind") !== ASSETS_DB_KIND) throw notOurs(`meta kind is ${JSON.stringify(meta.get("kind") ?? null)}`);
  const version = Number(meta.get("schema_version"));
  if (!Number.isInteger(version) || version < 1) throw notOurs(`bad schema_version ${JSON.stringify(meta.get("schema_version") ?? null)}`);
  if (version > ASSETS_SCHEMA_VERSION) {
    throw new Error(
      `assets database "${path}" has schema version ${version}, newer than this msd-lab supports (${ASSETS_SCHEMA_VERSION}); upgrade msd-lab or use another database`,
    );
  }
}

/**
 * Builds a complete catalogue database under a temporary name next to `path`, then publishes it.
 * Returns false (and leaves the existing file alone) if `path` appeared in the meantime.
 */
function createCatalogueFile(path: string): boolean {
  const temp = nodePath.join(
    nodePath.dirname(path),
    `.${nodePath.basename(path)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`,
  );
  try {
    writeCatalogue(temp);
    return publish(temp, path);
  } finally {
    fs.rmSync(temp, { force: true });
    fs.rmSync(`${temp}-journal`, { force: true });
  }
}

function writeCatalogue(path: string): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
    const setMeta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    const insert = db.prepare(INSERT_ASSET);
    db.transaction(() => {
      setMeta.run("kind", ASSETS_DB_KIND);
      setMeta.run("schema_version", String(ASSETS_SCHEMA_VERSION));
      for (const record of catalogueRecords()) insert.run(encodeRecord(record));
    })();
  } finally {
    db.close();
  }
}

/**
 * Moves the finished `temp` file to `path` without ever replacing an existing file: a hard link
 * fails with EEXIST if another process published first (a plain rename would silently replace
 * their file under their open connection). Falls back to rename where links are unsupported.
 */
function publish(temp: string, path: string): boolean {
  try {
    fs.linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    if (fs.existsSync(path)) return false;
    fs.renameSync(temp, path);
    return true;
  }
}

function encodeRecord(record: AssetRecord): Record<string, string | number | Buffer> {
  return {
    asset_id: record.assetId,
    name: record.name,
    category: record.category,
    collision: record.collision,
    radius: record.radius,
    hull_vertices: packLittleEndian(record.hullVertices, 8, (b, v, o) => b.writeDoubleLE(v, o)),
    mesh_positions: packLittleEndian(record.meshPositions, 4, (b, v, o) => b.writeFloatLE(v, o)),
    mesh_indices: packLittleEndian(record.meshIndices, 4, (b, v, o) => b.writeUInt32LE(v, o)),
  };
}

function decodeRow(row: AssetRow, path: string): AssetRecord {
  const corrupt = (what: string): Error => new Error(`assets database "${path}": asset ${row.asset_id} has a corrupt ${what}`);
  if (row.collision !== "hull" && row.collision !== "sphere") throw corrupt("collision kind");
  const unpack = <T extends Float64Array | Float32Array | Uint32Array>(
    blob: Buffer,
    column: string,
    make: (n: number) => T,
    bytes: number,
    read: (b: Buffer, offset: number) => number,
  ): T => {
    if (!Buffer.isBuffer(blob) || blob.length % bytes !== 0) throw corrupt(column);
    const out = make(blob.length / bytes);
    for (let i = 0; i < out.length; i++) out[i] = read(blob, i * bytes);
    return out;
  };
  return {
    assetId: row.asset_id,
    name: row.name,
    category: row.category,
    collision: row.collision,
    hullVertices: unpack(row.hull_vertices, "hull_vertices", (n) => new Float64Array(n), 8, (b, o) => b.readDoubleLE(o)),
    radius: row.radius,
    meshPositions: unpack(row.mesh_positions, "mesh_positions", (n) => new Float32Array(n), 4, (b, o) => b.readFloatLE(o)),
    meshIndices: unpack(row.mesh_indices, "mesh_indices", (n) => new Uint32Array(n), 4, (b, o) => b.readUInt32LE(o)),
  };
}

function packLittleEndian(
  values: ArrayLike<number>,
  bytes: number,
  write: (buffer: Buffer, value: number, offset: number) => void,
): Buffer {
  const buffer = Buffer.alloc(values.length * bytes);
  for (let i = 0; i < values.length; i++) write(buffer, values[i], i * bytes);
  return buffer;
}

function checkCategory(category: string | undefined): string {
  if (category === undefined) return "user";
  if (typeof category !== "string" || category.trim().length === 0) {
    throw new Error("asset category must be a non-empty string");
  }
  return category;
}

/** Guards against a hull builder that returns something unusable as a mesh. */
function checkHull(hull: { vertices: Float64Array; triangles: Uint32Array }): {
  vertices: Float64Array;
  triangles: Uint32Array;
} {
  const vertices = Float64Array.from(hull.vertices);
  const triangles = Uint32Array.from(hull.triangles);
  const count = vertices.length / 3;
  if (vertices.length % 3 !== 0 || count < 4) throw new Error(`hull builder returned ${vertices.length} vertex numbers; expected xyz for at least 4 points`);
  if (triangles.length % 3 !== 0 || triangles.length < 12) throw new Error(`hull builder returned ${triangles.length} triangle indices; expected at least 4 triangles`);
  if (!vertices.every(Number.isFinite)) throw new Error("hull builder returned a non-finite vertex");
  if (triangles.some((index) => index >= count)) throw new Error(`hull builder returned a triangle index outside its ${count} vertices`);
  return { vertices, triangles };
}

interface SqliteErrorLike extends Error {
  code: string;
}

function isSqliteError(err: unknown): err is SqliteErrorLike {
  return err instanceof Error && typeof (err as Partial<SqliteErrorLike>).code === "string";
}

function isUniqueViolation(err: unknown): boolean {
  return isSqliteError(err) && err.code === "SQLITE_CONSTRAINT_UNIQUE";
}
