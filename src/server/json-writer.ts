// Writes JSON text as ASCII bytes into a growing buffer: no intermediate strings, no UTF-8
// conversion on send. Numbers are written with at most 9 decimals (see writeNumber).

const encoder = new TextEncoder();
const ZERO = 48;
const MINUS = 45;
const DOT = 46;

export class JsonWriter {
  private buffer = new Uint8Array(64 * 1024);
  private length = 0;
  private readonly fragments = new Map<string, Uint8Array>();

  reset(): void {
    this.length = 0;
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
    let digits = 9;
    while (fraction % 10 === 0) {
      fraction /= 10;
      digits--;
    }
    this.buffer[this.length++] = DOT;
    return this.digits(fraction, digits);
  }

  /** A non-negative integer below 2^53. */
  integer(n: number): this {
    this.reserve(17);
    if (n < 10) return this.digit(n);
    let count = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) count++;
    return this.digits(n, count);
  }

  /** The last `count` decimal digits of `n`, most significant first (space already reserved). */
  private digits(n: number, count: number): this {
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
    return Buffer.from(this.buffer.subarray(0, this.length));
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
