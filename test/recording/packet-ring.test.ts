// The shared ring that carries captured frames to the writer thread: packets are contiguous, wrap
// around, never overwrite what the writer has not consumed (a full ring hands out an array of its
// own instead), go back to the start whenever the writer has caught up, are queued for the writer
// in capture order (with the items that travel by message), and the writer's progress is visible to the capturing thread without any message.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { RecordingReader, RecordingWriter } from "../../src/recording";
import { PacketRing, RingReader } from "../../src/recording/packet-ring";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-ring-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(ring: PacketRing, values: number[]): ReturnType<PacketRing["claim"]> {
  const room = ring.take(values.length + 2); // asks for more than it uses, as captures do
  room.set(values);
  return ring.claim(room.subarray(0, values.length));
}

describe("PacketRing", () => {
  it("hands out room, wraps around, and refuses to overwrite what is not consumed", () => {
    const ring = new PacketRing(10, 4);
    const reader = new RingReader(ring.shared, 4);
    const a = write(ring, [1, 2, 3])!;
    const b = write(ring, [4, 5, 6])!;
    expect(a).toEqual({ offset: 0, length: 3, end: 3 });
    expect(b).toEqual({ offset: 3, length: 3, end: 6 });
    expect(ring.pending).toBe(6);
    // 6 + 2 + 3 > 10: no room until the writer consumes; the packet gets an array of its own.
    const own = ring.take(5);
    expect(own.buffer).not.toBe(ring.shared);
    expect(ring.claim(own.subarray(0, 3))).toBeUndefined();
    expect(Array.from(reader.packet(a))).toEqual([1, 2, 3]);
    reader.release(a);
    expect(ring.pending).toBe(3);
    // 4 doubles left before the end, with b still pending: a 5-double request would wrap onto b.
    expect(ring.take(5).buffer).not.toBe(ring.shared);
    const d = write(ring, [7])!;
    expect(d).toEqual({ offset: 6, length: 1, end: 7 });
    reader.release(b);
    expect(ring.pending).toBe(1);
    // With d not consumed yet, the next packet wraps to 0 and the skipped tail counts as written.
    const c = write(ring, [8, 9, 10])!;
    expect(c).toEqual({ offset: 0, length: 3, end: 13 });
    expect(ring.pending).toBe(7);
    expect(Array.from(reader.packet(d))).toEqual([7]);
    expect(Array.from(reader.packet(c))).toEqual([8, 9, 10]);
    reader.release(d);
    reader.release(c);
    expect(ring.pending).toBe(0);
    // Everything consumed: the next packet goes back to the start of the ring (memory still warm)
    // rather than on from offset 3, and the room before it is free.
    const e = write(ring, [11])!;
    expect(e).toEqual({ offset: 0, length: 1, end: 21 });
    expect(ring.pending).toBe(1);
    expect(Array.from(reader.packet(e))).toEqual([11]);
    reader.release(e);
    // A packet larger than the ring never fits.
    expect(ring.take(11).buffer).not.toBe(ring.shared);
    // A view that is not the reservation is not claimed.
    const room = ring.take(4);
    expect(ring.claim(room.subarray(1, 3))).toBeUndefined();
    reader.setFramesDone(5);
    expect(ring.framesDone).toBe(5);
  });

  it("queues packets and message items in capture order, for a reader that looks when it likes", () => {
    expect(() => new PacketRing(100, 3)).toThrow(/queue capacity must be a power of two \(got 3\)/);
    const ring = new PacketRing(100, 4);
    const reader = new RingReader(ring.shared, 4);
    expect(reader.peek()).toBeUndefined();
    const a = write(ring, [1, 2])!;
    ring.publish(a);
    ring.publishMessageItem();
    const b = write(ring, [3])!;
    ring.publish(b);
    ring.publishMessageItem();
    expect(ring.queued).toBe(4);
    // Full: a fifth entry is refused (the recorder's backlog limit keeps it from happening).
    expect(() => ring.publishMessageItem()).toThrow(/recording queue is full: 4 entries/);
    expect(reader.peek()).toEqual({ slot: a });
    expect(reader.peek()).toEqual({ slot: a }); // peeking does not take
    expect(Array.from(reader.packet(a))).toEqual([1, 2]);
    reader.take();
    expect(reader.peek()).toEqual({ messageItem: true });
    reader.take();
    expect(ring.queued).toBe(2);
    // The queue wraps around.
    ring.publishMessageItem();
    expect(reader.peek()).toEqual({ slot: b });
    reader.take();
    expect(reader.peek()).toEqual({ messageItem: true });
    reader.take();
    expect(reader.peek()).toEqual({ messageItem: true });
    reader.take();
    expect(reader.peek()).toBeUndefined();
    expect(ring.queued).toBe(0);
    // A reader made later (another thread) starts where the queue is.
    ring.publishMessageItem();
    expect(new RingReader(ring.shared, 4).peek()).toEqual({ messageItem: true });
  });

  it("the queue's 32-bit counters wrap around without losing an entry", () => {
    const ring = new PacketRing(100, 4);
    // Start both sides just below 2³¹, where an Int32 turns negative.
    const counts = new Int32Array(ring.shared, 12, 2);
    counts[0] = counts[1] = 2 ** 31 - 2;
    (ring as unknown as { written: number }).written = 2 ** 31 - 2;
    const wrapped = new RingReader(ring.shared, 4);
    const slots = [1, 2, 3].map((v) => write(ring, [v])!);
    for (const slot of slots) ring.publish(slot);
    expect(ring.queued).toBe(3);
    for (const slot of slots) {
      expect(wrapped.peek()).toEqual({ slot });
      wrapped.take();
    }
    expect(wrapped.peek()).toBeUndefined();
    expect(ring.queued).toBe(0);
    expect(counts[0]).toBeLessThan(0);
  });

  it("a writer thread keeps up with a loop that never yields: its progress is seen without messages", async () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    for (let i = 0; i < 20; i++) engine.spawnInertialObject("unit_cube", [(i % 5) * 1.2, Math.floor(i / 5) * 1.2, 1 + (i % 3)], [0.1 * i, 0, 0], { mass: 1 });
    const file = path.join(tmp, "sync.db");
    const writer = RecordingWriter.create(engine, file);
    writer.capture();
    for (let k = 0; k < 500; k++) {
      engine.step();
      writer.capture();
    }
    // Still without letting a message in: the backlog falls as the writer thread works.
    const deadline = Date.now() + 20_000;
    while (writer.backlog > 16 && Date.now() < deadline) {
      // busy wait (the writer thread runs meanwhile)
    }
    expect(writer.backlog).toBeLessThanOrEqual(16);
    expect((await writer.finish()).frames).toBe(501);
    const reader = RecordingReader.open(file);
    expect(reader.frame(500)!.simulationTime).toBe(engine.time);
    reader.close();
    engine.dispose();
  });
});
