// The life of recordings and their readers beyond one file: recordToFile covers all of `duration`
// whatever `every` is; a library keeps readers that are in use open, lists without opening
// readers, and sweeps the temporary files of writers that no longer run; a writer thread that
// dies is acted on once (a thread started meanwhile is kept); finishing a recording whose writer
// failed lets go of it. Real engine, real files, real threads and processes.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { RecordingLibrary, RecordingReader, recordToFile } from "../../src/recording";
import { WriterChannel } from "../../src/recording/writer-channel";
import { DISK_FULL_ERROR, DIST_INDEX, runWithFullDisk } from "../helpers/disk-full";

const ROOT = path.resolve(__dirname, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-recording-lifecycle-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function smallScene(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  engine.spawnInertialObject("unit_cube", [0, 0, 1], [0.1, 0.2, 0], { mass: 1, velocity: [0.3, 0, 0] });
  return engine;
}

/** The engine's stateArray after `steps` steps of `dt` from smallScene(). */
function reference(steps: number, dt: number): { time: number; states: Float64Array } {
  const engine = smallScene();
  for (let i = 0; i < steps; i++) engine.step(dt);
  const out = { time: engine.time, states: engine.stateArray() };
  engine.dispose();
  return out;
}

describe("recordToFile simulates all of `duration`", () => {
  it("steps not a multiple of `every`: the last frame comes after the remaining steps", async () => {
    const engine = smallScene();
    const file = path.join(tmp, "remainder.db");
    // 100 steps, a frame every 3: frames after 0, 3, …, 99 steps, and one after the 100th.
    const summary = await recordToFile(engine, file, { duration: 1, dt: 0.01, every: 3 });
    engine.dispose();
    expect(summary.frames).toBe(1 + 33 + 1);
    expect(summary.durationS).toBeCloseTo(1, 12);
    const reader = RecordingReader.open(file);
    const times = reader.frames().map((f) => f.simulationTime);
    expect(times[33]).toBeCloseTo(0.99, 12);
    expect(times[34]).toBeCloseTo(1, 12);
    const last = reader.frame(34)!;
    const expected = reference(100, 0.01);
    expect(last.simulationTime).toBe(expected.time);
    expect(Array.from(last.states)).toEqual(Array.from(expected.states));
    expect(last.stepDt).toBe(0.01);
    expect(reader.metadata().timestepS).toBeCloseTo(0.03, 15);
    reader.close();
  });

  it("`every` larger than the steps: frame 0 and one frame at the end of the run", async () => {
    const engine = smallScene();
    const file = path.join(tmp, "every-too-big.db");
    const summary = await recordToFile(engine, file, { duration: 0.5, dt: 0.01, every: 500 });
    engine.dispose();
    expect(summary.frames).toBe(2);
    expect(summary.durationS).toBeCloseTo(0.5, 12);
    const reader = RecordingReader.open(file);
    const expected = reference(50, 0.01);
    expect(reader.frame(1)!.simulationTime).toBe(expected.time);
    expect(Array.from(reader.frame(1)!.states)).toEqual(Array.from(expected.states));
    // The nominal time between frames is the one interval there is.
    expect(reader.metadata().timestepS).toBeCloseTo(0.5, 15);
    reader.close();
  });

  it("a multiple of `every` is unchanged: equally spaced frames, none extra", async () => {
    const engine = smallScene();
    const summary = await recordToFile(engine, path.join(tmp, "multiple.db"), { duration: 1, dt: 0.01, every: 4 });
    engine.dispose();
    expect(summary.frames).toBe(26);
  });
});

describe("a recording library", () => {
  const dir = path.join(tmp, "library");
  const ids = ["a", "b", "c"];

  it("setup: three recordings", async () => {
    fs.mkdirSync(dir, { recursive: true });
    const engine = smallScene();
    await recordToFile(engine, path.join(dir, "a.db"), { duration: 0.5, dt: 0.01 });
    engine.dispose();
    for (const id of ids.slice(1)) fs.copyFileSync(path.join(dir, "a.db"), path.join(dir, `${id}.db`));
  });

  it("lists without opening readers: a reader handed out before is not closed by list()", () => {
    const library = new RecordingLibrary(dir, 1);
    const a = library.reader("a");
    expect(library.list().map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(library.list()[0]).toMatchObject({ id: "a", path: "a.db", total_frames: 51, bodies: 2 });
    // Still open: its frames are read now, after the listing.
    expect(a.frame(7)?.frameId).toBe(7);
    library.close();
  });

  it("never closes a reader in use: eviction passes it by, a replaced file's reader closes when its user is done", () => {
    const library = new RecordingLibrary(dir, 1);
    let held: RecordingReader | undefined;
    const frameIds = library.use("a", (reader) => {
      held = reader;
      // Opening two more recordings goes past the limit of 1; the one in use stays open.
      library.reader("b");
      library.reader("c");
      const first = reader.frame(5)?.frameId;
      // The file is replaced (a new inode): the library opens the new one, the old one is kept for its user.
      fs.copyFileSync(path.join(dir, "b.db"), path.join(dir, "a.new"));
      fs.renameSync(path.join(dir, "a.new"), path.join(dir, "a.db"));
      const fresh = library.reader("a");
      expect(fresh).not.toBe(reader);
      return [first, reader.frame(9)?.frameId];
    });
    expect(frameIds).toEqual([5, 9]);
    // Its user is done and it was replaced: now it is closed.
    expect(() => held!.frame(11)).toThrow(/is closed/);
    expect(library.use("a", (reader) => reader.frame(11)?.frameId)).toBe(11);
    library.close();
  });

  it("an error inside use() still releases the reader", () => {
    const library = new RecordingLibrary(dir, 1);
    let held: RecordingReader | undefined;
    expect(() =>
      library.use("a", (reader) => {
        held = reader;
        throw new Error("the request failed");
      }),
    ).toThrow("the request failed");
    library.reader("b"); // past the limit: the released reader is evicted and closed
    expect(() => held!.frame(1)).toThrow(/is closed/);
    library.close();
  });

  it("symbolic links are not followed", () => {
    fs.symlinkSync(path.join(dir, "b.db"), path.join(dir, "link.db"));
    const library = new RecordingLibrary(dir);
    expect(library.list().map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(() => library.reader("link")).toThrow("Recording link cannot be read: it is a symbolic link (links in the recordings directory are not followed)");
    library.close();
    fs.rmSync(path.join(dir, "link.db"));
  });
});

describe("temporary files of writers that no longer run", () => {
  it("are swept when a library is created; those of running processes, and anything else, are left alone", () => {
    const dir = path.join(tmp, "partials");
    fs.mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const alive = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      expect(alive.pid).toBeGreaterThan(0);
      const name = (file: string, pid: number): string => `.${file}.${pid}.0123456789ab.partial`;
      const stale = [name("one.db", dead), name("two.v1.db", dead)];
      const kept = [
        name("mine.db", process.pid),
        name("other.db", alive.pid!),
        `.odd.db.${dead}.xyz.partial`,
        "notes.partial",
        "keep.db",
      ];
      for (const file of [...stale, ...kept]) fs.writeFileSync(path.join(dir, file), "x");
      fs.mkdirSync(path.join(dir, name("a-directory.db", dead)));
      fs.symlinkSync(path.join(dir, "keep.db"), path.join(dir, name("a-link.db", dead)));
      new RecordingLibrary(dir).close();
      expect(fs.readdirSync(dir).sort()).toEqual([...kept, name("a-directory.db", dead), name("a-link.db", dead)].sort());
    } finally {
      alive.kill("SIGKILL");
    }
  });
});

describe("the writer thread", () => {
  it("that dies (error, then exit) fails its recordings once; a thread started in between is kept", async () => {
    // A writer thread that throws on a batch: a real thread dying of an uncaught error.
    const script = path.join(tmp, "crashing-writer.js");
    fs.writeFileSync(
      script,
      `const { parentPort } = require("worker_threads");
       parentPort.on("message", (m) => {
         if (m.op === "batch") throw new Error("writer exploded");
         if (m.op === "abort") parentPort.postMessage({ op: "aborted", handle: m.handle });
       });`,
    );
    const threads: Worker[] = [];
    let started: (worker: Worker) => void = () => undefined;
    const firstThread = new Promise<Worker>((resolve) => (started = resolve));
    const onWorker = (worker: Worker): void => {
      threads.push(worker);
      started(worker);
    };
    process.on("worker", onWorker);
    const channel = new WriterChannel(() => script);
    const events: string[] = [];
    let second = 0;
    const noop = (): void => undefined;
    let secondAborted: () => void = noop;
    const aborted = new Promise<void>((resolve) => (secondAborted = resolve));
    try {
      const first = channel.attach({
        progress: noop,
        finished: noop,
        aborted: () => events.push("first aborted"),
        failed: (message) => {
          events.push(`first failed: ${message}`);
          if (second !== 0) return;
          // As a recording waiting on the writer does: its failure makes it use the channel again
          // (an abort), which starts a new thread before the dead one's "exit" has come.
          second = channel.attach({
            progress: noop,
            finished: noop,
            failed: (m) => events.push(`second failed: ${m}`),
            aborted: () => {
              events.push("second aborted");
              secondAborted();
            },
          });
          channel.post(second, { op: "abort" });
        },
      });
      channel.hold();
      channel.post(first, { op: "batch", items: [] });
      const dying = await firstThread;
      // Registered after the channel's own listener: runs after the channel has seen the exit.
      const exited = dying.threadId === -1 ? Promise.resolve(1) : new Promise<number>((resolve) => dying.once("exit", resolve));
      expect(await exited).toBe(1);
      await aborted;
      // The new thread is still the channel's: it answers, and no third thread is started.
      const again = new Promise<void>((resolve) => (secondAborted = resolve));
      channel.post(second, { op: "abort" });
      await again;
      expect(events).toEqual(["first failed: recording writer thread failed: writer exploded", "second aborted", "second aborted"]);
      expect(threads).toHaveLength(2);
      channel.detach(first);
      channel.detach(second);
      expect(channel.attached).toBe(0);
    } finally {
      process.off("worker", onWorker);
      channel.release();
      for (const thread of threads) await thread.terminate();
    }
  });

  it("the real writer thread answers an abort for a recording it never knew (its thread was lost) with aborted, a finish with failed", async () => {
    const channel = new WriterChannel();
    const heard: string[] = [];
    let answered: () => void = () => undefined;
    const listener = (name: string) => ({
      progress: () => undefined,
      finished: () => heard.push(`${name} finished`),
      failed: (message: string) => {
        heard.push(`${name} failed: ${message}`);
        answered();
      },
      aborted: () => {
        heard.push(`${name} aborted`);
        answered();
      },
    });
    const aborting = channel.attach(listener("abort"));
    const finishing = channel.attach(listener("finish"));
    channel.hold();
    try {
      for (const [handle, message] of [[aborting, { op: "abort" }], [finishing, { op: "finish" }]] as const) {
        const done = new Promise<void>((resolve) => (answered = resolve));
        channel.post(handle, message);
        await done;
      }
      expect(heard).toEqual(["abort aborted", `finish failed: recording ${finishing} is not open`]);
    } finally {
      channel.release();
      channel.detach(aborting);
      channel.detach(finishing);
    }
  });

  it("finishing a recording whose writer failed reports the failure, removes the file and lets go of the writer", () => {
    const out = path.join(tmp, "full", "r.db");
    const output = runWithFullDisk(
      path.join(tmp, "finish-failed.js"),
      `const { Engine, RecordingWriter } = require(${JSON.stringify(DIST_INDEX)});
       const { writerChannel } = require(${JSON.stringify(path.join(ROOT, "dist", "src", "recording", "writer-channel.js"))});
       const engine = new Engine();
       engine.spawnEnvironmentObject("plane", [0, 0, 0]);
       for (let i = 0; i < 400; i++) engine.spawnInertialObject("unit_cube", [(i % 20) * 1.5 - 15, Math.floor(i / 20) * 1.5 - 15, 5 + (i % 3)], [0.1 * i, 0, 0], { mass: 1 });
       const writer = RecordingWriter.create(engine, ${JSON.stringify(out)});
       (async () => {
         try {
           for (let i = 0; i < 2000; i++) {
             engine.step();
             writer.capture();
             if (writer.backlog > 16) await writer.drained(4);
           }
           console.log("CAPTURED all?!");
         } catch (error) {
           console.log("CAPTURE " + error.message);
         }
         console.log("ATTACHED " + writerChannel().attached);
         try {
           await writer.finish();
           console.log("FINISHED?!");
         } catch (error) {
           console.log("FINISH " + error.message);
         }
         console.log("ATTACHED " + writerChannel().attached);
       })();`,
    );
    const lines = output.trim().split("\n");
    expect(lines, output).toHaveLength(4);
    const failure = new RegExp(`^CAPTURE (${DISK_FULL_ERROR})$`).exec(lines[0]);
    expect(failure, output).not.toBeNull();
    expect(lines[1]).toBe("ATTACHED 1");
    expect(lines[2]).toBe(`FINISH ${failure![1]}`);
    expect(lines[3]).toBe("ATTACHED 0");
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});
