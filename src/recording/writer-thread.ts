// The recording writer thread: hosts RecordingStores and does all their SQLite work, so the
// thread that steps the engine only captures arrays into a ring shared with this thread
// (packet-ring.ts). This thread looks at each ring's queue on its own timer — often while frames
// come, rarely when none do — so capturing never wakes it. Messages (see writer-channel.ts): open,
// batch (the ring, scene updates, packets that found the ring full), finish, abort; it answers with
// progress (at most every PROGRESS_MS, and when it has caught up), failed, finished, aborted.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parentPort } from "worker_threads";
import { RingReader, RingSlot } from "./packet-ring";
import { RecordingStore } from "./recording-store";
import type { BatchItem, FromWriter, ToWriter } from "./writer-channel";

/** Between looks at the queues: the shortest while frames come, doubling up to the longest while none do. */
const POLL_MIN_MS = 1;
const POLL_MAX_MS = 16;
/** Progress reports to a recording's owner are at most this often (and always once it has caught up). */
const PROGRESS_MS = 20;
/** Queue entries one look at a recording takes at most. */
const DRAIN_BUDGET = 64;

interface Recording {
  /** Undefined once the recording failed: its frames are then dropped (their ring room still freed). */
  store: RecordingStore | undefined;
  ring: RingReader | undefined;
  /** Message items waiting for their place in the queue. */
  inbox: Exclude<BatchItem, { ring: SharedArrayBuffer }>[];
  /** Frames done with (written, or dropped after a failure). */
  frames: number;
  reportedFrames: number;
  reportedAt: number;
  /** Why the recording failed, for its finish (or undefined). */
  failure: string | undefined;
}

const recordings = new Map<number, Recording>();
let pollTimer: NodeJS.Timeout | undefined;
let pollDelay = POLL_MIN_MS;

lowerPriority();

parentPort!.on("message", (message: ToWriter) => {
  try {
    handle(message, recordings.get(message.handle));
  } catch (error) {
    const recording = recordings.get(message.handle);
    // A recording that failed to open, or in a batch, stays known: its frames are still taken off
    // the ring (freeing the room), and its finish reports the failure again.
    if (recording && (message.op === "open" || message.op === "batch")) fail(message.handle, recording, error);
    else {
      recordings.delete(message.handle);
      reply({ op: "failed", handle: message.handle, message: messageOf(error) });
    }
  }
});

function handle(message: ToWriter, recording: Recording | undefined): void {
  const { handle } = message;
  if (message.op === "open") {
    const fresh: Recording = { store: undefined, ring: undefined, inbox: [], frames: 0, reportedFrames: 0, reportedAt: 0, failure: undefined };
    recordings.set(handle, fresh);
    fresh.store = new RecordingStore(message.tempPath, message.finalPath, message.header, message.overwrite);
    return;
  }
  if (!recording) {
    // Not known here (a writer thread lost with it, and this one started since): nothing to drop.
    if (message.op === "abort") return reply({ op: "aborted", handle });
    throw new Error(`recording ${handle} is not open`);
  }
  if (message.op === "batch") {
    for (const item of message.items) {
      if ("ring" in item) recording.ring = new RingReader(item.ring, item.queueCapacity);
      else recording.inbox.push(item);
    }
    drain(handle, recording);
    pollSoon();
    return;
  }
  // Finish and abort come after every item of the recording: what is queued is all there is. An
  // abort only takes the frames off the ring (freeing its room); nothing more is written.
  const { store } = recording;
  if (message.op === "abort") recording.store = undefined;
  drain(handle, recording, Infinity);
  recordings.delete(handle);
  if (!store) {
    // Failed earlier (that was reported then): finishing reports it again, aborting is done.
    reply(message.op === "abort" ? { op: "aborted", handle } : { op: "failed", handle, message: recording.failure ?? "recording failed" });
    return;
  }
  if (message.op === "finish") {
    if (recording.failure !== undefined) return; // a frame failed just now, and said so
    reply({ op: "finished", handle, summary: store.finish(message.keepFrames, message.timestepS) });
  } else {
    store.abort();
    reply({ op: "aborted", handle });
  }
}

/**
 * Writes what the recording's queue holds, in capture order, as far as its message items have
 * arrived, and at most `budget` entries (so that one busy recording does not hold up the others'
 * messages; the next look comes soon). Every frame is done with, written or (after a failure)
 * dropped: ring room is always freed. Returns whether anything was done.
 */
function drain(handle: number, recording: Recording, budget = DRAIN_BUDGET): boolean {
  const ring = recording.ring;
  let worked = false;
  for (let entry = ring?.peek(), left = budget; ring && entry && left > 0; entry = ring.peek(), left--) {
    let packet: Float64Array;
    let slot: RingSlot | undefined;
    if ("slot" in entry) {
      slot = entry.slot;
      packet = ring.packet(slot);
    } else {
      const item = recording.inbox.shift();
      if (!item) break; // posted before its entry was queued: it is on its way
      if ("scene" in item) {
        ring.take();
        worked = true;
        attempt(handle, recording, (store) => store.scene(item.scene));
        continue;
      }
      packet = new Float64Array(item.packet);
    }
    ring.take();
    worked = true;
    attempt(handle, recording, (store) => store.frame(packet));
    if (slot) ring.release(slot);
    ring.setFramesDone(++recording.frames);
  }
  report(handle, recording, ring?.peek() === undefined);
  return worked;
}

/** Tells the recording's owner how far it got: at most every PROGRESS_MS, and whenever it has caught up. */
function report(handle: number, recording: Recording, caughtUp: boolean): void {
  if (recording.frames === recording.reportedFrames) return;
  const now = Date.now();
  if (!caughtUp && now - recording.reportedAt < PROGRESS_MS) return;
  recording.reportedFrames = recording.frames;
  recording.reportedAt = now;
  reply({ op: "progress", handle, frames: recording.frames });
}

/** Runs `work` on the recording's store unless it failed; a throw fails the recording (reported once). */
function attempt(handle: number, recording: Recording, work: (store: RecordingStore) => void): void {
  const store = recording.store;
  if (!store) return;
  try {
    work(store);
  } catch (error) {
    fail(handle, recording, error);
  }
}

function fail(handle: number, recording: Recording, error: unknown): void {
  if (recording.failure !== undefined) return;
  recording.store = undefined;
  recording.failure = messageOf(error);
  reply({ op: "failed", handle, message: recording.failure });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Looks at every queue now and then: sooner while there is work, later while there is none, and
 * not at all once no recording has a ring (then only a message can bring work). A recording that
 * is never finished nor aborted keeps it looking, every POLL_MAX_MS.
 */
function pollSoon(): void {
  pollDelay = POLL_MIN_MS;
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, pollDelay);
}

function poll(): void {
  pollTimer = undefined;
  let worked = false;
  let rings = 0;
  for (const [handle, recording] of recordings) {
    if (recording.ring) rings++;
    try {
      worked = drain(handle, recording) || worked;
    } catch (error) {
      // Not the store's (attempt() catches those): the recording fails, the thread and the others go on.
      fail(handle, recording, error);
    }
  }
  if (rings === 0) return;
  pollDelay = worked ? POLL_MIN_MS : Math.min(POLL_MAX_MS, pollDelay * 2);
  pollTimer = setTimeout(poll, pollDelay);
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
