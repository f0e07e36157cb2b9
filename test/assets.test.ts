// Assets: catalogue geometry, the SQLite assets database, convex assets and the STL reader.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Database from "better-sqlite3";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AssetDatabase,
  AssetRecord,
  catalogueRecords,
  cubeMesh,
  icosphereMesh,
  parseStl,
  pyramidMesh,
  readStlFile,
} from "../src/engine/assets";
import {
  asciiCubeStl,
  axisRange,
  binaryCubeStl,
  edgeProblems,
  fakeHullBuilder,
  TETRAHEDRON,
  volumeAndCentroid,
} from "./assets/helpers";

const EXPECTED_CATALOGUE = [
  { assetId: 1, name: "unit_cube", category: "test_primitives", collision: "hull" },
  { assetId: 2, name: "large_cube", category: "test_primitives", collision: "hull" },
  { assetId: 3, name: "tiny_cube", category: "test_primitives", collision: "hull" },
  { assetId: 4, name: "floor_slab", category: "test_primitives", collision: "hull" },
  { assetId: 5, name: "unit_sphere", category: "test_primitives", collision: "sphere" },
  { assetId: 6, name: "small_sphere", category: "test_primitives", collision: "sphere" },
  { assetId: 7, name: "large_sphere", category: "test_primitives", collision: "sphere" },
  { assetId: 8, name: "cube", category: "primitives", collision: "hull" },
  { assetId: 9, name: "pyramid", category: "primitives", collision: "hull" },
  { assetId: 10, name: "plane", category: "environment", collision: "hull" },
];

const EXPECTED_VOLUME: Record<string, number> = {
  unit_cube: 1,
  large_cube: 8,
  tiny_cube: 0.125,
  floor_slab: 1e6,
  unit_sphere: (4 / 3) * Math.PI,
  small_sphere: (4 / 3) * Math.PI * 0.125,
  large_sphere: (4 / 3) * Math.PI * 8,
  cube: 1,
  pyramid: 1 / 3,
  plane: 1e4,
};

function meshOf(record: AssetRecord): { positions: Float32Array; indices: Uint32Array } {
  return { positions: record.meshPositions, indices: record.meshIndices };
}

let tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msd-lab-assets-"));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs = [];
});

describe("catalogue", () => {
  const records = catalogueRecords();

  it("has the seed's ids, names, categories and collision kinds", () => {
    expect(records.map(({ assetId, name, category, collision }) => ({ assetId, name, category, collision }))).toEqual(
      EXPECTED_CATALOGUE,
    );
  });

  it.each(EXPECTED_CATALOGUE.map((e) => e.name))("%s: render mesh is closed and consistently oriented", (name) => {
    const record = records.find((r) => r.name === name)!;
    expect(record.meshIndices.length % 3).toBe(0);
    expect(edgeProblems(meshOf(record))).toEqual([]);
    expect(Math.max(...record.meshIndices)).toBeLessThan(record.meshPositions.length / 3);
  });

  it.each(Object.entries(EXPECTED_VOLUME))("%s: mesh volume is positive and close to %f", (name, expected) => {
    const record = records.find((r) => r.name === name)!;
    const { volume } = volumeAndCentroid(meshOf(record));
    expect(volume).toBeGreaterThan(0);
    const tolerance = record.collision === "sphere" ? 0.02 : 1e-6;
    expect(Math.abs(volume - expected) / expected).toBeLessThan(tolerance);
  });

  it("spheres: true radius, empty hull, 642-vertex icosphere with every vertex on the radius", () => {
    for (const [name, radius] of [["unit_sphere", 1], ["small_sphere", 0.5], ["large_sphere", 2]] as const) {
      const record = records.find((r) => r.name === name)!;
      expect(record.radius).toBe(radius);
      expect(record.hullVertices.length).toBe(0);
      expect(record.meshPositions.length).toBe(642 * 3);
      expect(record.meshIndices.length).toBe(1280 * 3);
      const p = record.meshPositions;
      for (let i = 0; i < p.length; i += 3) {
        expect(Math.hypot(p[i], p[i + 1], p[i + 2])).toBeCloseTo(radius, 6);
      }
    }
  });

  it("hull assets: radius 0, hull vertices are the mesh corners, centroid at the origin (except plane)", () => {
    for (const record of records.filter((r) => r.collision === "hull")) {
      expect(record.radius).toBe(0);
      expect(Array.from(record.hullVertices)).toEqual(Array.from(record.meshPositions));
      if (record.name === "plane") continue;
      const { centroid } = volumeAndCentroid(meshOf(record));
      for (const c of centroid) expect(Math.abs(c)).toBeLessThan(1e-9);
    }
  });

  it("cube sizes match the seed", () => {
    const side = (name: string): number => {
      const [min, max] = axisRange(records.find((r) => r.name === name)!.meshPositions, 0);
      return max - min;
    };
    expect([side("unit_cube"), side("large_cube"), side("tiny_cube"), side("floor_slab"), side("cube")]).toEqual([
      1, 2, 0.5, 100, 1,
    ]);
  });

  it("pyramid: 1×1 base at z = −0.25, apex at (0, 0, 0.75), centroid at the origin", () => {
    const pyramid = records.find((r) => r.name === "pyramid")!;
    const p = pyramid.meshPositions;
    expect(axisRange(p, 2)).toEqual([-0.25, 0.75]);
    expect(axisRange(p, 0)).toEqual([-0.5, 0.5]);
    expect(axisRange(p, 1)).toEqual([-0.5, 0.5]);
    const top = Array.from({ length: p.length / 3 }, (_, i) => [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]]).filter(
      (v) => v[2] > 0,
    );
    expect(top).toEqual([[0, 0, 0.75]]);
    const { volume, centroid } = volumeAndCentroid(meshOf(pyramid));
    expect(volume).toBeCloseTo(1 / 3, 12);
    for (const c of centroid) expect(Math.abs(c)).toBeLessThan(1e-12);
  });

  it("plane: 100 × 100 × 1 slab with its top face at z = 0", () => {
    const p = records.find((r) => r.name === "plane")!.meshPositions;
    expect(axisRange(p, 0)).toEqual([-50, 50]);
    expect(axisRange(p, 1)).toEqual([-50, 50]);
    expect(axisRange(p, 2)).toEqual([-1, 0]);
  });
});

describe("mesh generators", () => {
  it("icosphere levels 0–4 are closed with the expected counts and volume converging to the sphere", () => {
    let previousError = Infinity;
    for (let level = 0; level <= 4; level++) {
      const mesh = icosphereMesh(1, level);
      expect(mesh.positions.length / 3).toBe(10 * 4 ** level + 2);
      expect(mesh.indices.length / 3).toBe(20 * 4 ** level);
      expect(edgeProblems(mesh)).toEqual([]);
      const error = (4 / 3) * Math.PI - volumeAndCentroid(mesh).volume;
      expect(error).toBeGreaterThan(0);
      expect(error).toBeLessThan(previousError);
      previousError = error;
    }
  });

  it("cube and pyramid meshes scale with their parameters", () => {
    expect(volumeAndCentroid(cubeMesh(3)).volume).toBeCloseTo(27, 12);
    expect(volumeAndCentroid(pyramidMesh(2, 3)).volume).toBeCloseTo(4, 12);
    expect(edgeProblems(pyramidMesh(2, 3))).toEqual([]);
  });
});

describe("AssetDatabase create/open", () => {
  it("create then open round-trips every record exactly", () => {
    const file = path.join(tempDir(), "assets.db");
    const created = AssetDatabase.create(file);
    expect(created.path).toBe(file);
    created.close();
    const db = AssetDatabase.open(file);
    try {
      expect(db.list()).toEqual(EXPECTED_CATALOGUE.map(({ assetId, name }) => ({ assetId, name })));
      for (const expected of catalogueRecords()) {
        const byId = db.require(expected.assetId);
        expect(byId).toEqual(expected);
        expect(byId.hullVertices).toBeInstanceOf(Float64Array);
        expect(byId.meshPositions).toBeInstanceOf(Float32Array);
        expect(byId.meshIndices).toBeInstanceOf(Uint32Array);
        expect(db.get(expected.name)).toEqual(expected);
      }
    } finally {
      db.close();
    }
  });

  it("stores the schema version and kind, and the documented table", () => {
    const file = path.join(tempDir(), "assets.db");
    AssetDatabase.create(file).close();
    const raw = new Database(file, { readonly: true });
    try {
      const meta = raw.prepare("SELECT key, value FROM meta ORDER BY key").all();
      expect(meta).toEqual([
        { key: "kind", value: "msd-lab-assets" },
        { key: "schema_version", value: "1" },
      ]);
      const columns = raw.prepare("SELECT name FROM pragma_table_info('assets')").all();
      expect(columns.map((c) => (c as { name: string }).name)).toEqual([
        "asset_id", "name", "category", "collision", "radius", "hull_vertices", "mesh_positions", "mesh_indices",
      ]);
      const blob = raw.prepare("SELECT mesh_indices FROM assets WHERE asset_id = 1").get() as { mesh_indices: Buffer };
      expect(blob.mesh_indices.length).toBe(36 * 4);
      expect(blob.mesh_indices.readUInt32LE(4)).toBe(2); // little-endian Uint32
    } finally {
      raw.close();
    }
  });

  it("get/require by name and id", () => {
    const db = AssetDatabase.create(path.join(tempDir(), "a.db"));
    try {
      expect(db.get("pyramid")?.assetId).toBe(9);
      expect(db.get(10)?.name).toBe("plane");
      expect(db.get("nope")).toBeUndefined();
      expect(db.get(42)).toBeUndefined();
      expect(() => db.require("foo")).toThrow('unknown asset "foo"');
      expect(() => db.require(42)).toThrow("unknown asset id 42");
    } finally {
      db.close();
    }
  });

  it("create refuses an existing file and leaves it alone", () => {
    const file = path.join(tempDir(), "assets.db");
    const db = AssetDatabase.create(file);
    db.addConvexAsset("mine", TETRAHEDRON, fakeHullBuilder);
    db.close();
    expect(() => AssetDatabase.create(file)).toThrow(`assets database "${file}" already exists`);
    const again = AssetDatabase.open(file);
    expect(again.get("mine")?.assetId).toBe(11);
    again.close();
    expect(fs.readdirSync(path.dirname(file))).toEqual(["assets.db"]); // no temp files left behind
  });

  it("create names a missing directory", () => {
    const file = path.join(tempDir(), "missing", "assets.db");
    expect(() => AssetDatabase.create(file)).toThrow(/directory ".*missing" does not exist/);
  });

  it("open names a missing path", () => {
    const file = path.join(tempDir(), "nothing.db");
    expect(() => AssetDatabase.open(file)).toThrow(`assets database "${file}" does not exist`);
  });

  it("open refuses a file that is not SQLite", () => {
    const file = path.join(tempDir(), "text.db");
    fs.writeFileSync(file, "this is not a database, just some text that is long enough to have a header...\n".repeat(20));
    expect(() => AssetDatabase.open(file)).toThrow(`"${file}" is not an msd-lab assets database`);
  });

  it("open refuses an empty file and an SQLite database that is not ours", () => {
    const dir = tempDir();
    const empty = path.join(dir, "empty.db");
    fs.writeFileSync(empty, "");
    expect(() => AssetDatabase.open(empty)).toThrow(`"${empty}" is not an msd-lab assets database`);

    const other = path.join(dir, "other.db");
    const raw = new Database(other);
    raw.exec("CREATE TABLE things (id INTEGER PRIMARY KEY)");
    raw.close();
    expect(() => AssetDatabase.open(other)).toThrow(`"${other}" is not an msd-lab assets database`);

    const foreignMeta = path.join(dir, "foreign.db");
    const raw2 = new Database(foreignMeta);
    raw2.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('kind', 'recording')");
    raw2.close();
    expect(() => AssetDatabase.open(foreignMeta)).toThrow(/is not an msd-lab assets database \(meta kind is "recording"\)/);
  });

  it("open refuses a newer schema version with a clear message", () => {
    const file = path.join(tempDir(), "future.db");
    AssetDatabase.create(file).close();
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    raw.close();
    expect(() => AssetDatabase.open(file)).toThrow(/schema version 2, newer than this msd-lab supports \(1\)/);
  });

  it("methods after close say the database is closed", () => {
    const db = AssetDatabase.create(path.join(tempDir(), "a.db"));
    db.close();
    db.close(); // idempotent
    expect(() => db.list()).toThrow(/is closed/);
  });

  it("two connections read and write the same file", () => {
    const file = path.join(tempDir(), "shared.db");
    const a = AssetDatabase.create(file);
    const b = AssetDatabase.open(file);
    try {
      const first = a.addConvexAsset("from_a", TETRAHEDRON, fakeHullBuilder);
      const second = b.addConvexAsset("from_b", TETRAHEDRON, fakeHullBuilder);
      expect([first.assetId, second.assetId]).toEqual([11, 12]);
      expect(a.get("from_b")?.assetId).toBe(12);
      expect(() => a.addConvexAsset("from_b", TETRAHEDRON, fakeHullBuilder)).toThrow('asset name "from_b" already exists');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("AssetDatabase default database", () => {
  let savedDataDir: string | undefined;
  beforeEach(() => {
    savedDataDir = process.env.MSD_LAB_DATA_DIR;
  });
  afterEach(() => {
    if (savedDataDir === undefined) delete process.env.MSD_LAB_DATA_DIR;
    else process.env.MSD_LAB_DATA_DIR = savedDataDir;
  });

  it("defaultPath is <package root>/data/assets.db without MSD_LAB_DATA_DIR", () => {
    delete process.env.MSD_LAB_DATA_DIR;
    expect(AssetDatabase.defaultPath()).toBe(path.resolve(__dirname, "..", "data", "assets.db"));
  });

  it("openDefault creates the directory and database on first use, then reuses it", () => {
    const dataDir = path.join(tempDir(), "nested", "data");
    process.env.MSD_LAB_DATA_DIR = dataDir;
    expect(AssetDatabase.defaultPath()).toBe(path.join(dataDir, "assets.db"));
    const first = AssetDatabase.openDefault();
    expect(first.path).toBe(path.join(dataDir, "assets.db"));
    first.addConvexAsset("kept", TETRAHEDRON, fakeHullBuilder);
    const second = AssetDatabase.openDefault(); // must open the existing file, not rebuild it
    expect(second.get("kept")?.assetId).toBe(11);
    first.close();
    second.close();
    expect(fs.readdirSync(dataDir)).toEqual(["assets.db"]);
  });

  it("openDefault from 4 processes at once: all succeed on one complete database", async () => {
    const dir = tempDir();
    const moduleDir = compileAssetsModule(path.join(dir, "compiled"));
    const dataDir = path.join(dir, "data");
    const startAt = Date.now() + 1500; // every process waits for this moment, then races
    const script = `
      const { AssetDatabase } = require(${JSON.stringify(moduleDir)});
      while (Date.now() < ${startAt}) {}
      const db = AssetDatabase.openDefault();
      console.log(JSON.stringify(db.list().map((a) => a.name)));
      db.close();`;
    const env = {
      ...process.env,
      MSD_LAB_DATA_DIR: dataDir,
      NODE_PATH: path.resolve(__dirname, "..", "node_modules"),
    };
    const results = await Promise.all([0, 1, 2, 3].map(() => runNode(script, env)));
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(EXPECTED_CATALOGUE.map((e) => e.name));
    }
    expect(fs.readdirSync(dataDir)).toEqual(["assets.db"]);
  }, 30000);
});

/** Transpiles src/engine (the assets module and what it imports) to CommonJS so plain `node` child processes can require it. */
function compileAssetsModule(outDir: string): string {
  const engineDir = path.resolve(__dirname, "..", "src", "engine");
  const transpileDir = (from: string, to: string): void => {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        transpileDir(path.join(from, entry.name), path.join(to, entry.name));
      } else if (entry.name.endsWith(".ts")) {
        const source = fs.readFileSync(path.join(from, entry.name), "utf8");
        const { outputText } = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(path.join(to, entry.name.replace(/\.ts$/, ".js")), outputText);
      }
    }
  };
  transpileDir(engineDir, outDir);
  return path.join(outDir, "assets");
}

function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("addConvexAsset", () => {
  let db: AssetDatabase;
  beforeEach(() => {
    db = AssetDatabase.create(path.join(tempDir(), "assets.db"));
  });
  afterEach(() => db.close());

  it("stores the hull's vertices and triangles with the next id and category 'user'", () => {
    let received: Float64Array | undefined;
    const record = db.addConvexAsset("tetra", TETRAHEDRON, (points) => {
      received = points;
      return fakeHullBuilder(points);
    });
    expect(received).toEqual(Float64Array.from(TETRAHEDRON.flat()));
    expect(record).toEqual({
      assetId: 11,
      name: "tetra",
      category: "user",
      collision: "hull",
      hullVertices: Float64Array.from(TETRAHEDRON.flat()),
      radius: 0,
      meshPositions: Float32Array.from(TETRAHEDRON.flat()),
      meshIndices: Uint32Array.from([0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2]),
    });
    expect(edgeProblems(meshOf(record))).toEqual([]);
    expect(volumeAndCentroid(meshOf(record)).volume).toBeCloseTo(1 / 6, 12);
    expect(db.require("tetra")).toEqual(record);
    expect(db.list().at(-1)).toEqual({ assetId: 11, name: "tetra" });
  });

  it("accepts flat arrays and typed arrays, and a category", () => {
    const flat = db.addConvexAsset("flat", TETRAHEDRON.flat(), fakeHullBuilder, { category: "mine" });
    const typed = db.addConvexAsset("typed", Float32Array.from(TETRAHEDRON.flat()), fakeHullBuilder);
    expect([flat.assetId, flat.category, typed.assetId]).toEqual([11, "mine", 12]);
  });

  it("validates the name", () => {
    expect(() => db.addConvexAsset("", TETRAHEDRON, fakeHullBuilder)).toThrow("non-empty string");
    expect(() => db.addConvexAsset("x".repeat(65), TETRAHEDRON, fakeHullBuilder)).toThrow("longer than 64 characters");
    expect(() => db.addConvexAsset("cube", TETRAHEDRON, fakeHullBuilder)).toThrow('asset name "cube" already exists');
    expect(db.addConvexAsset("x".repeat(64), TETRAHEDRON, fakeHullBuilder).assetId).toBe(11);
  });

  it("validates the points, naming the offending index", () => {
    const flat = TETRAHEDRON.flat();
    flat[5] = NaN;
    expect(() => db.addConvexAsset("a", flat, fakeHullBuilder)).toThrow("points[5] is not a finite number");
    expect(() => db.addConvexAsset("a", [[0, 0, 0], [1, 0, Infinity], [0, 1, 0], [0, 0, 1]], fakeHullBuilder)).toThrow(
      "points[1][2] is not a finite number",
    );
    expect(() => db.addConvexAsset("a", [[0, 0, 0], [1, 0], [0, 1, 0], [0, 0, 1]], fakeHullBuilder)).toThrow(
      "points[1] must be [x, y, z]",
    );
    expect(() => db.addConvexAsset("a", [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], fakeHullBuilder)).toThrow("not a multiple of 3");
    expect(() => db.addConvexAsset("a", TETRAHEDRON.slice(0, 3), fakeHullBuilder)).toThrow("at least 4 points, got 3");
    expect(db.list().length).toBe(10);
  });

  it("lets the hull builder's error propagate and stores nothing", () => {
    const degenerate = (): never => {
      throw new Error("points are coplanar");
    };
    expect(() => db.addConvexAsset("flat", TETRAHEDRON, degenerate)).toThrow("points are coplanar");
    expect(db.get("flat")).toBeUndefined();
  });

  it("rejects an unusable hull builder result", () => {
    const bad = (points: Float64Array): { vertices: Float64Array; triangles: Uint32Array } => ({
      vertices: points,
      triangles: Uint32Array.from([0, 1, 9, 0, 1, 2, 0, 2, 3, 1, 2, 3]),
    });
    expect(() => db.addConvexAsset("bad", TETRAHEDRON, bad)).toThrow("outside its 4 vertices");
  });
});

describe("STL", () => {
  it("parses an ASCII cube: 12 triangles, 8 distinct vertices", () => {
    const stl = parseStl(Buffer.from(asciiCubeStl()));
    expect(stl.format).toBe("ascii");
    expect(stl.triangleCount).toBe(12);
    expect(stl.vertices.length).toBe(24);
    expect(stl.indices.length).toBe(36);
    expect(edgeProblems({ positions: stl.vertices, indices: stl.indices })).toEqual([]);
    expect(volumeAndCentroid({ positions: stl.vertices, indices: stl.indices }).volume).toBeCloseTo(1, 12);
  });

  it("parses a binary cube, also when its header starts with 'solid'", () => {
    for (const header of ["binary cube", "solid cube exported by a CAD tool"]) {
      const stl = parseStl(binaryCubeStl(header));
      expect(stl.format).toBe("binary");
      expect(stl.triangleCount).toBe(12);
      expect(stl.vertices.length).toBe(24);
      expect(volumeAndCentroid({ positions: stl.vertices, indices: stl.indices }).volume).toBeCloseTo(1, 12);
    }
  });

  it("accepts CRLF, upper case keywords, exponents and a missing endsolid", () => {
    const text = asciiCubeStl().replace(/vertex 1/g, "vertex 1.0e0").toUpperCase().replace(/\n/g, "\r\n").replace(/ENDSOLID.*\r\n$/, "");
    expect(parseStl(Buffer.from(text)).vertices.length).toBe(24);
  });

  it("reports an empty file", () => {
    expect(() => parseStl(new Uint8Array(0))).toThrow("STL data: empty file");
  });

  it("reports a truncated binary file, also one whose header starts with 'solid'", () => {
    const full = binaryCubeStl();
    expect(() => parseStl(full.subarray(0, full.length - 7))).toThrow(
      "truncated or corrupt binary STL: the header declares 12 triangles, which needs 684 bytes, but the file has 677",
    );
    const solid = binaryCubeStl("solid cube");
    expect(() => parseStl(solid.subarray(0, 300))).toThrow("truncated or corrupt binary STL");
  });

  it("reports a malformed ASCII line with its number", () => {
    const lines = asciiCubeStl().split("\n");
    lines[3] = "      vertex 0 zero 0"; // line 4
    expect(() => parseStl(Buffer.from(lines.join("\n")))).toThrow('line 4: vertex: "zero" is not a finite number');
    const swapped = asciiCubeStl().split("\n");
    swapped[2] = "    inner loop"; // line 3
    expect(() => parseStl(Buffer.from(swapped.join("\n")))).toThrow('line 3: expected "outer loop", found "inner loop"');
    expect(() => parseStl(Buffer.from("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\n"))).toThrow(
      "line 6: facet has 2 vertices, expected 3",
    );
  });

  it("reports non-finite numbers in ASCII and binary files", () => {
    const text = asciiCubeStl().replace("vertex 1 0 0", "vertex 1e999 0 0");
    expect(() => parseStl(Buffer.from(text))).toThrow('"1e999" is not a finite number');
    const binary = Buffer.from(binaryCubeStl());
    binary.writeFloatLE(NaN, 84 + 50 * 2 + 12 + 12 + 4); // triangle 2, vertex 1, y
    expect(() => parseStl(binary)).toThrow("triangle 2 vertex 1 has a non-finite coordinate");
  });

  it("reports files with zero triangles and files that are not STL", () => {
    expect(() => parseStl(Buffer.from("solid empty\nendsolid empty\n"))).toThrow("contains no triangles");
    const header = Buffer.alloc(84);
    expect(() => parseStl(header)).toThrow("contains no triangles");
    expect(() => parseStl(Buffer.from("hello"))).toThrow("not an STL file");
    expect(() => parseStl(Buffer.from("solid x\nfacet normal 0 0 1\nouter loop\n"))).toThrow("unexpected end of file");
  });

  it("readStlFile names the path", () => {
    const file = path.join(tempDir(), "bad.stl");
    fs.writeFileSync(file, "");
    expect(() => readStlFile(file)).toThrow(`STL file "${file}": empty file`);
    expect(() => readStlFile(file + ".missing")).toThrow(`cannot read STL file "${file}.missing"`);
  });

  it("addStlAsset from a path and from bytes stores the convex hull of the STL's vertices", () => {
    const dir = tempDir();
    const stlFile = path.join(dir, "cube.stl");
    fs.writeFileSync(stlFile, asciiCubeStl());
    const db = AssetDatabase.create(path.join(dir, "assets.db"));
    try {
      const seen: number[] = [];
      const fromFile = db.addStlAsset("stl_cube", stlFile, (points) => {
        seen.push(points.length / 3);
        return fakeHullBuilder(points);
      });
      const fromBytes = db.addStlAsset("stl_cube_bin", binaryCubeStl(), fakeHullBuilder, { category: "imported" });
      expect(seen).toEqual([8]);
      expect([fromFile.assetId, fromFile.category, fromBytes.assetId, fromBytes.category]).toEqual([11, "user", 12, "imported"]);
      expect(fromFile.hullVertices).toEqual(fromBytes.hullVertices);
      expect(() => db.addStlAsset("stl_cube", stlFile, fakeHullBuilder)).toThrow('asset name "stl_cube" already exists');
      expect(() => db.addStlAsset("broken", new Uint8Array(0), fakeHullBuilder)).toThrow("empty file");
    } finally {
      db.close();
    }
  });
});
