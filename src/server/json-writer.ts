// Writes JSON text as ASCII bytes into a growing buffer: no intermediate strings, no UTF-8
// conversion on send. Numbers are written with at most 9 decimals (see `number`), three digits at
// a time from a lookup table, because formatting numbers is most of the cost of a frame.

const encoder = new TextEncoder();
const ZERO = 48;
const MINUS = 45;
const DOT = 46;

/** "000" … "999" as ASCII bytes, three per entry. */
const TRIPLES = (() => {
  const table = new Uint8Array(3000);
  for (let i = 0; i < 1000; i++) {
    table[3 * i] = ZERO + Math.floor(i / 100);
    table[3 * i + 1] = ZERO + (Math.floor(i / 10) % 10);
    table[3 * i + 2] = ZERO + (i % 10);
  }
  return table;
})();

/** Writes the digits of `value` (0–999) as three bytes at `at`, skipping the first `skip` of them. */
function copyTriple(buffer: Uint8Array, at: number, value: number, skip = 0): void {
  const from = 3 * value;
  for (let i = skip; i < 3; i++) buffer[at + i] = TRIPLES[from + i];
}

export class JsonWriter {
  private buffer = new Uint8Array(64 * 1024);
  private length = 0;
  private readonly fragments = new Map<string, Uint8Array>();

  reset(): void {
    this.length = 0;
  }

  /** Bytes the writer holds on to (its buffer grows as needed and is kept for reuse). */
  get capacity(): number {
    return this.buffer.length;
  }

  /** A constant ASCII fragment (encoded once, then copied). */
  raw(text: string): this {
    let bytes = this.fragments.get(text);
    if (bytes === undefined) {
      bytes = encoder.encode(text);
      this.fragments.set(text, bytes);
    }
    return this.bytes(bytes);
  }

  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** Position for `since()`: lets callers keep the bytes of one part for reuse. */
  mark(): number {
    return this.length;
  }

  since(mark: number): Uint8Array {
    return this.buffer.slice(mark, this.length);
  }

  /**
   * A finite number with at most 9 decimals ("0.499931234", "-4", "0"): 1 nm and 1 nrad, well
   * below anything a viewer or a plot shows. Magnitudes ≥ 1e6 keep full precision.
   */
  number(x: number): this {
    const magnitude = x < 0 ? -x : x;
    if (!(magnitude >= 5e-10)) return this.digit(0); // 0, -0 and tiny values
    if (magnitude >= 1e6) return this.raw(String(x));
    let whole = Math.floor(magnitude);
    let fraction = Math.round((magnitude - whole) * 1e9);
    if (fraction >= 1e9) {
      whole += 1;
      fraction -= 1e9;
    }
    this.reserve(20);
    if (x < 0 && (whole > 0 || fraction > 0)) this.buffer[this.length++] = MINUS;
    this.integer(whole);
    if (fraction === 0) return this;
    const buffer = this.buffer;
    buffer[this.length] = DOT;
    const at = this.length + 1;
    const high = Math.floor(fraction / 1e6);
    const middle = Math.floor(fraction / 1e3) - high * 1000;
    const low = fraction - Math.floor(fraction / 1e3) * 1000;
    copyTriple(buffer, at, high);
    copyTriple(buffer, at + 3, middle);
    copyTriple(buffer, at + 6, low);
    let end = at + 9;
    while (buffer[end - 1] === ZERO) end--; // trailing zeros (fraction > 0, so a digit remains)
    this.length = end;
    return this;
  }

  /** A non-negative integer below 2^53. */
  integer(n: number): this {
    if (n < 10) return this.digit(n);
    this.reserve(17);
    if (n < 1000) {
      const skip = n < 100 ? 1 : 0; // "042" → "42"
      copyTriple(this.buffer, this.length - skip, n, skip);
      this.length += 3 - skip;
      return this;
    }
    let count = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) count++;
    for (let i = count - 1; i >= 0; i--) {
      this.buffer[this.length + i] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    }
    this.length += count;
    return this;
  }

  boolean(b: boolean): this {
    return this.raw(b ? "true" : "false");
  }

  /** A copy of everything written (safe to hand to a socket while this writer is reused). */
  toBuffer(): Buffer {
    return Buffer.from(this.toArrayBuffer());
  }

  /** A copy of everything written in an ArrayBuffer of its own (transferable to another thread). */
  toArrayBuffer(): ArrayBuffer {
    return this.buffer.slice(0, this.length).buffer;
  }

  private digit(d: number): this {
    this.reserve(1);
    this.buffer[this.length++] = ZERO + d;
    return this;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
