// Files a reader must refuse, and places a writer cannot write to: every error says which file and
// why (a newer schema says to upgrade msd-lab), and a recording that fails leaves nothing behind.
import Database from "better-sqlite3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetDatabase, Engine } from "../../src/engine";
import { RecordingLibrary, RecordingReader, RecordingWriter, recordToFile } from "../../src/recording";
import { DISK_FULL_ERROR, DIST_INDEX, runWithFullDisk } from "../helpers/disk-full";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-recording-errors-"));
let good = "";

beforeAll(async () => {
  good = path.join(tmp, "good.db");
  const engine = smallScene();
  await recordToFile(engine, good, { duration: 0.2 });
  engine.dispose();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function smallScene(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  engine.spawnInertialObject("unit_cube", [0, 0, 1], [0.1, 0, 0], { mass: 1 });
  return engine;
}

/** A copy of the good recording with its meta table edited. */
function withMeta(name: string, key: string, value: string): string {
  const file = path.join(tmp, name);
  fs.copyFileSync(good, file);
  const db = new Database(file);
  db.prepare("UPDATE meta SET value = ? WHERE key = ?").run(value, key);
  db.close();
  return file;
}

describe("reading what is not a recording this msd-lab can read", () => {
  it("a newer schema version: says so, and to upgrade msd-lab", () => {
    const file = withMeta("newer.db", "schema_version", "3");
    expect(() => RecordingReader.open(file)).toThrow(`recording "${file}" has schema version 3; this msd-lab reads up to 1 — upgrade msd-lab`);
  });

  it("files that are not recordings: not SQLite, an assets database, SQLite without meta, a bad version, missing, a directory", () => {
    const junk = path.join(tmp, "junk.db");
    fs.writeFileSync(junk, Buffer.from("this is not a database, just some bytes ".repeat(100)));
    expect(() => RecordingReader.open(junk)).toThrow(`"${junk}" is not an msd-lab recording (it is not an SQLite file)`);

    const assets = path.join(tmp, "assets.db");
    AssetDatabase.create(assets).close();
    expect(() => RecordingReader.open(assets)).toThrow(`"${assets}" is not an msd-lab recording (its kind is "msd-lab-assets", not "msd-lab-recording")`);

    const plain = path.join(tmp, "plain.db");
    const db = new Database(plain);
    db.exec("CREATE TABLE t (x INTEGER)");
    db.close();
    expect(() => RecordingReader.open(plain)).toThrow(`"${plain}" is not an msd-lab recording (it has no meta table)`);

    const badVersion = withMeta("bad-version.db", "schema_version", "one");
    expect(() => RecordingReader.open(badVersion)).toThrow(/is not an msd-lab recording \(its schema_version is "one"\)/);

    expect(() => RecordingReader.open(path.join(tmp, "nope.db"))).toThrow(/recording ".*nope\.db" does not exist/);
    expect(() => RecordingReader.open(tmp)).toThrow(/is not a file/);
    expect(RecordingReader.open(good).frameCount).toBe(13);
  });

  it("a library lists only readable recordings and says why the others cannot be opened", () => {
    const dir = path.join(tmp, "library");
    fs.mkdirSync(dir);
    fs.copyFileSync(good, path.join(dir, "good.db"));
    fs.copyFileSync(withMeta("newer2.db", "schema_version", "2"), path.join(dir, "newer.db"));
    fs.writeFileSync(path.join(dir, "junk.db"), "junk");
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a .db");
    fs.copyFileSync(good, path.join(dir, ".hidden.db"));
    const library = new RecordingLibrary(dir);
    expect(library.list().map((r) => r.id)).toEqual(["good"]);
    expect(() => library.reader("newer")).toThrow("Recording newer cannot be read: recording \"newer.db\" has schema version 2; this msd-lab reads up to 1 — upgrade msd-lab");
    expect(() => library.reader("junk")).toThrow(/Recording junk cannot be read: "junk\.db" is not an msd-lab recording/);
    expect(() => library.reader("missing")).toThrow("Recording not found: missing");
    for (const id of ["..", "../good", ".hidden", "/etc/passwd", "a/b", "a\\b", "", "x".repeat(129), "good.db/..", "%2e%2e"]) {
      expect(() => library.reader(id), id).toThrow(/is not a recording id/);
    }
    expect(library.reader("good").frameCount).toBe(13);
    library.close();
  });
});

describe("writing where it cannot", () => {
  it("a directory that cannot be created (under a regular file): a clear error at once, nothing written", () => {
    const engine = smallScene();
    const file = path.join(tmp, "a-file");
    fs.writeFileSync(file, "x");
    expect(() => RecordingWriter.create(engine, path.join(file, "recordings", "r.db"))).toThrow(
      `cannot record to "${path.join(file, "recordings", "r.db")}": a part of the path is not a directory (ENOTDIR)`,
    );
    engine.dispose();
  });

  it.skipIf(process.getuid?.() === 0)("a read-only directory: permission denied (not testable as root)", () => {
    const engine = smallScene();
    const dir = path.join(tmp, "read-only");
    fs.mkdirSync(dir, { mode: 0o555 });
    expect(() => RecordingWriter.create(engine, path.join(dir, "r.db"))).toThrow(/permission denied \(EACCES\)/);
    engine.dispose();
  });

  it("the disk filling up mid-recording (a file size limit): the error names the problem; nothing is published", () => {
    const out = path.join(tmp, "full", "r.db");
    const output = runWithFullDisk(
      path.join(tmp, "fill.js"),
      `const { Engine, recordToFile } = require(${JSON.stringify(DIST_INDEX)});
       const engine = new Engine();
       engine.spawnEnvironmentObject("plane", [0, 0, 0]);
       for (let i = 0; i < 400; i++) engine.spawnInertialObject("unit_cube", [(i % 20) * 1.5 - 15, Math.floor(i / 20) * 1.5 - 15, 1 + (i % 3)], [0.1 * i, 0, 0], { mass: 1 });
       recordToFile(engine, ${JSON.stringify(out)}, { duration: 5 }).then(
         () => console.log("finished?!"),
         (error) => console.log("ERROR " + error.message));`,
    );
    expect(output).toMatch(new RegExp(`^ERROR ${DISK_FULL_ERROR}`));
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});
