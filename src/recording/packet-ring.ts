// A ring buffer in shared memory through which captured frames reach the writer thread: the engine
// writes a frame's arrays straight into it, and a queue of descriptors in the same memory tells the
// writer thread, in capture order, where each packet lies. Nothing is copied, transferred or posted
// per frame: the writer thread looks at the queue on its own timer, so the capturing
// thread never pays for waking it (on a virtual machine a wake costs tens of µs, as much as a
// capture). When the writer falls behind and the ring is full, frames go the slow way, in buffers
// of their own, by message; so do scene updates. Their place in the order is a queue entry that
// says "the next message item", so the writer interleaves both sources exactly as captured.
// Whenever the writer has caught up, the next packet goes back to the start of the ring: a writer
// that keeps up sees the same few hundred KiB reused (warm in the cache), and the rest of the ring
// is only touched while it falls behind.

/**
 * Bytes before the queue: the consumed counter (BigInt64, in doubles, monotonic), the number of
 * frames the writer is done with (Int32; so the capturing side knows its backlog without a
 * message), then the queue's written and taken entry counts (Int32, monotonic).
 */
const HEADER_BYTES = 24;
/** Doubles per queue entry: the slot's offset (−1: the next message item), length and end. */
const ENTRY = 3;
const MESSAGE_ITEM = -1;

/** Where a packet lies in the ring: `offset` doubles into the data, `length` doubles; `end` is the write position after it. */
export interface RingSlot {
  offset: number;
  length: number;
  end: number;
}

/** Where captured packets are written. */
export interface PacketSpace {
  /** Room for at least `need` doubles: a view of the space, or a fresh array when it has none. */
  take(need: number): Float64Array;
}

/** The shared memory's views, the same on both sides. */
class RingViews {
  readonly consumed: BigInt64Array;
  readonly done: Int32Array;
  /** [0]: entries written (by the capturing side), [1]: entries taken (by the writer). */
  readonly queueCounts: Int32Array;
  readonly queue: Float64Array;
  readonly data: Float64Array;

  constructor(
    readonly shared: SharedArrayBuffer,
    readonly queueCapacity: number,
  ) {
    this.consumed = new BigInt64Array(shared, 0, 1);
    this.done = new Int32Array(shared, 8, 1);
    this.queueCounts = new Int32Array(shared, 12, 2);
    this.queue = new Float64Array(shared, HEADER_BYTES, queueCapacity * ENTRY);
    const dataOffset = HEADER_BYTES + queueCapacity * ENTRY * 8;
    this.data = new Float64Array(shared, dataOffset, (shared.byteLength - dataOffset) / 8);
  }
}

/** The capturing side: hands out room at the write position, claims what was used, queues it. */
export class PacketRing implements PacketSpace {
  private readonly views: RingViews;
  /** Doubles written so far (monotonic); the data index is `head % capacity`. */
  private head = 0;
  /**
   * Where the ring last went back to its start (a multiple of capacity): everything before it is
   * free, whatever the writer's consumed counter (which still says where it stopped) reads.
   */
  private rewoundAt = 0;
  private written = 0;
  private reservation: { start: number; skip: number } | undefined;

  /**
   * `capacity` doubles of packet room; `queueCapacity` entries (frames and message items) may wait
   * at once, a power of two (the queue's counters are 32-bit and wrap; places are counters modulo it).
   */
  constructor(
    readonly capacity: number,
    readonly queueCapacity: number,
  ) {
    if (!(Number.isInteger(queueCapacity) && queueCapacity > 0 && (queueCapacity & (queueCapacity - 1)) === 0)) {
      throw new Error(`queue capacity must be a power of two (got ${queueCapacity})`);
    }
    const shared = new SharedArrayBuffer(HEADER_BYTES + (queueCapacity * ENTRY + capacity) * 8);
    this.views = new RingViews(shared, queueCapacity);
  }

  get shared(): SharedArrayBuffer {
    return this.views.shared;
  }

  /** Frames the writer has reported done with (through the ring's header). */
  get framesDone(): number {
    return Atomics.load(this.views.done, 0);
  }

  /** Doubles written but not yet consumed by the writer. */
  get pending(): number {
    return this.head - Math.max(this.rewoundAt, Number(Atomics.load(this.views.consumed, 0)));
  }

  /** Queue entries the writer has not taken yet. */
  get queued(): number {
    return (this.written - Atomics.load(this.views.queueCounts, 1)) | 0;
  }

  take(need: number): Float64Array {
    this.reservation = undefined;
    if (this.pending === 0 && this.head % this.capacity !== 0) {
      // Caught up: start over at the beginning, where the memory is still warm.
      this.head = this.rewoundAt = Math.ceil(this.head / this.capacity) * this.capacity;
    }
    const at = this.head % this.capacity;
    // Packets are contiguous: one that does not fit before the end starts over at 0, and the tail
    // it skips counts as written (the writer frees it with that packet).
    const skip = at + need > this.capacity ? this.capacity - at : 0;
    if (need > this.capacity || this.pending + skip + need > this.capacity) return new Float64Array(need);
    const start = (at + skip) % this.capacity;
    this.reservation = { start, skip };
    return this.views.data.subarray(start, start + need);
  }

  /**
   * Claims the ring room a captured packet (a view from `take`, trimmed to what was used) occupies,
   * or undefined when the packet is not in the ring (it did not fit, and lives in a buffer of its own).
   */
  claim(packet: Float64Array): RingSlot | undefined {
    const r = this.reservation;
    this.reservation = undefined;
    const data = this.views.data;
    if (!r || packet.buffer !== this.shared || packet.byteOffset !== data.byteOffset + r.start * 8) return undefined;
    this.head += r.skip + packet.length;
    return { offset: r.start, length: packet.length, end: this.head };
  }

  /** Queues a claimed packet for the writer (which finds it on its next look, in capture order). */
  publish(slot: RingSlot): void {
    this.append(slot.offset, slot.length, slot.end);
  }

  /** Queues "the next item of the messages", posted just before (a scene update, a packet of its own). */
  publishMessageItem(): void {
    this.append(MESSAGE_ITEM, 0, 0);
  }

  private append(offset: number, length: number, end: number): void {
    if (this.queued >= this.queueCapacity) throw new Error(`recording queue is full: ${this.queued} entries wait for the writer thread`);
    const at = placeOf(this.written, this.queueCapacity);
    const queue = this.views.queue;
    queue[at] = offset;
    queue[at + 1] = length;
    queue[at + 2] = end;
    // The entry's values are in place before the count that makes it visible (Atomics are ordered).
    this.written = (this.written + 1) | 0;
    Atomics.store(this.views.queueCounts, 0, this.written);
  }
}

/** Index in the queue's doubles of the entry with (wrapping, 32-bit) number `count`. */
function placeOf(count: number, queueCapacity: number): number {
  return (count & (queueCapacity - 1)) * ENTRY;
}

/** What the writer finds next in the queue: a packet in the ring, or the next message item. */
export type QueueEntry = { slot: RingSlot } | { messageItem: true };

/** The writer's side of a ring: the queue, views of the packets, and marking them consumed. */
export class RingReader {
  private readonly views: RingViews;
  private taken: number;

  constructor(shared: SharedArrayBuffer, queueCapacity: number) {
    this.views = new RingViews(shared, queueCapacity);
    this.taken = Atomics.load(this.views.queueCounts, 1);
  }

  /** The oldest entry not taken yet, or undefined when the queue is empty. */
  peek(): QueueEntry | undefined {
    if (this.taken === Atomics.load(this.views.queueCounts, 0)) return undefined;
    const at = placeOf(this.taken, this.views.queueCapacity);
    const queue = this.views.queue;
    if (queue[at] === MESSAGE_ITEM) return { messageItem: true };
    return { slot: { offset: queue[at], length: queue[at + 1], end: queue[at + 2] } };
  }

  /** Done with the entry peek() returned: its queue place may be written again. */
  take(): void {
    this.taken = (this.taken + 1) | 0;
    Atomics.store(this.views.queueCounts, 1, this.taken);
  }

  /** Tells the capturing side how many frames are done with. */
  setFramesDone(frames: number): void {
    Atomics.store(this.views.done, 0, frames);
  }

  packet(slot: RingSlot): Float64Array {
    return this.views.data.subarray(slot.offset, slot.offset + slot.length);
  }

  /** The packet's room (and everything before it) may be written again. */
  release(slot: RingSlot): void {
    Atomics.store(this.views.consumed, 0, BigInt(slot.end));
  }
}
