// A ring buffer in shared memory through which captured frames reach the writer thread: the engine
// writes a frame's arrays straight into it, the writer thread reads them from there and marks them
// consumed. Nothing is allocated, copied or transferred per frame (transferring buffers between
// threads costs microseconds each, as much as capturing); only small descriptors of the packets
// travel in messages. When the writer falls behind and the ring is full, frames go the slow way,
// in buffers of their own. Whenever the writer has caught up, the next packet goes back to the start
// of the ring: a writer that keeps up sees the same few hundred KiB reused (warm in the cache), and
// the rest of the ring is only touched while it falls behind.

/**
 * Bytes before the data: the consumed counter (BigInt64, in doubles, monotonic), then the number of
 * frames the writer is done with (Int32; so the capturing side knows its backlog even while it
 * steps in a loop that never lets messages in).
 */
const HEADER_BYTES = 16;

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

/** The capturing side: hands out room at the write position, claims what was used. */
export class PacketRing implements PacketSpace {
  readonly shared: SharedArrayBuffer;
  private readonly data: Float64Array;
  private readonly consumed: BigInt64Array;
  private readonly done: Int32Array;
  /** Doubles written so far (monotonic); the data index is `head % capacity`. */
  private head = 0;
  /**
   * Where the ring last went back to its start (a multiple of capacity): everything before it is
   * free, whatever the writer's consumed counter (which still says where it stopped) reads.
   */
  private rewoundAt = 0;
  private reservation: { start: number; skip: number } | undefined;

  constructor(readonly capacity: number) {
    this.shared = new SharedArrayBuffer(HEADER_BYTES + capacity * 8);
    this.consumed = new BigInt64Array(this.shared, 0, 1);
    this.done = new Int32Array(this.shared, 8, 1);
    this.data = new Float64Array(this.shared, HEADER_BYTES, capacity);
  }

  /** Frames the writer has reported done with (through the ring's header). */
  get framesDone(): number {
    return Atomics.load(this.done, 0);
  }

  /** Doubles written but not yet consumed by the writer. */
  get pending(): number {
    return this.head - Math.max(this.rewoundAt, Number(Atomics.load(this.consumed, 0)));
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
    return this.data.subarray(start, start + need);
  }

  /**
   * Claims the ring room a captured packet (a view from `take`, trimmed to what was used) occupies,
   * or undefined when the packet is not in the ring (it did not fit, and lives in a buffer of its own).
   */
  claim(packet: Float64Array): RingSlot | undefined {
    const r = this.reservation;
    this.reservation = undefined;
    if (!r || packet.buffer !== this.shared || packet.byteOffset !== HEADER_BYTES + r.start * 8) return undefined;
    this.head += r.skip + packet.length;
    return { offset: r.start, length: packet.length, end: this.head };
  }
}

/** The writer's side of a ring: views of the packets, and marking them consumed. */
export class RingReader {
  private readonly consumed: BigInt64Array;
  private readonly done: Int32Array;

  constructor(private readonly shared: SharedArrayBuffer) {
    this.consumed = new BigInt64Array(shared, 0, 1);
    this.done = new Int32Array(shared, 8, 1);
  }

  /** Tells the capturing side how many frames are done with. */
  setFramesDone(frames: number): void {
    Atomics.store(this.done, 0, frames);
  }

  packet(slot: RingSlot): Float64Array {
    return new Float64Array(this.shared, HEADER_BYTES + slot.offset * 8, slot.length);
  }

  /** The packet's room (and everything before it) may be written again. */
  release(slot: RingSlot): void {
    Atomics.store(this.consumed, 0, BigInt(slot.end));
  }
}
