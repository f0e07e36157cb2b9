// The recording writer thread: hosts RecordingStores and does all their SQLite work, so the
// thread that steps the engine only captures arrays (into a ring shared with this thread) and
// posts short descriptors of them. Messages (see writer-channel.ts): open, batch (→ progress),
// finish, abort.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parentPort } from "worker_threads";
import { RingReader } from "./packet-ring";
import { RecordingStore } from "./recording-store";
import type { ToWriter, FromWriter } from "./writer-channel";

const stores = new Map<number, RecordingStore>();
/** Each recording's packet ring, and how many of its frames are done. */
const rings = new Map<number, RingReader>();
const done = new Map<number, number>();
/** Recordings that failed: later messages for them are answered with the same error. */
const failures = new Map<number, string>();

lowerPriority();

parentPort!.on("message", (message: ToWriter) => {
  try {
    handle(message);
  } catch (error) {
    stores.delete(message.handle);
    const text = error instanceof Error ? error.message : String(error);
    // Kept for the recording's next message (its finish or abort); finish and abort are the last.
    if (message.op === "open" || message.op === "batch") failures.set(message.handle, text);
    else failures.delete(message.handle);
    reply({ op: "failed", handle: message.handle, message: text });
  }
});

function handle(message: ToWriter): void {
  const { handle } = message;
  if (message.op === "open") {
    stores.set(handle, new RecordingStore(message.tempPath, message.finalPath, message.header, message.overwrite));
    return;
  }
  const store = stores.get(handle);
  if (message.op === "batch") {
    // Every frame is done with, written or (after a failure) dropped: ring room is always released,
    // and progress is reported once per batch.
    let frames = done.get(handle) ?? 0;
    let failure: unknown;
    for (const item of message.items) {
      if ("ring" in item) {
        rings.set(handle, new RingReader(item.ring));
        continue;
      }
      if ("scene" in item) {
        if (store && failure === undefined) failure = attempt(() => store.scene(item.scene));
        continue;
      }
      const ring = rings.get(handle);
      const packet = "slot" in item ? ring!.packet(item.slot) : new Float64Array(item.packet);
      if (store && failure === undefined) failure = attempt(() => store.frame(packet));
      if ("slot" in item) ring!.release(item.slot);
      ring?.setFramesDone(++frames);
    }
    done.set(handle, frames);
    reply({ op: "progress", handle, frames });
    if (failure !== undefined) throw failure;
    return;
  }
  rings.delete(handle);
  done.delete(handle);
  if (!store) {
    // Failed earlier (that was reported then): finishing reports it again, aborting is done.
    const failed = failures.get(handle) ?? `recording ${handle} is not open`;
    failures.delete(handle);
    reply(message.op === "abort" ? { op: "aborted", handle } : { op: "failed", handle, message: failed });
    return;
  }
  switch (message.op) {
    case "finish":
      stores.delete(handle);
      reply({ op: "finished", handle, summary: store.finish(message.keepFrames, message.timestepS) });
      return;
    case "abort":
      stores.delete(handle);
      store.abort();
      reply({ op: "aborted", handle });
      return;
  }
}

/** Runs `work`; returns what it threw (undefined when it did not). */
function attempt(work: () => void): unknown {
  try {
    work();
    return undefined;
  } catch (error) {
    return error ?? new Error("unknown error");
  }
}

function reply(message: FromWriter): void {
  parentPort!.postMessage(message);
}

/**
 * Writing a recording is background work: where the OS allows it (Linux: nice values are per
 * thread), this thread yields the CPU to the threads that step engines. On a machine with a core to
 * spare it changes nothing; on a busy one the recording falls behind (its backlog) instead of
 * slowing the simulation.
 */
function lowerPriority(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync("/proc/thread-self")));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.min(19, os.getPriority(tid) + 10));
  } catch {
    // Not Linux, or not allowed: the thread keeps the default priority.
  }
}
