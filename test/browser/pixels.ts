// Pixel checks on Playwright screenshots: a small PNG decoder (8-bit RGB/RGBA/grey, any filter,
// no interlace — what Chromium's screenshots are) and the statistics the browser tests assert on.
import * as zlib from "zlib";

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(png: Buffer): Rgba {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG");
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colourType = 0;
  let interlace = 0;
  const idat: Buffer[] = [];
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8];
      colourType = body[9];
      interlace = body[12];
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(`unsupported PNG (bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace})`);
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error("truncated PNG data");
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels] : 0;
      const b = y > 0 ? pixels[prev + x] : 0;
      const c = x >= channels && y > 0 ? pixels[prev + x - channels] : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} in row ${y}`);
      }
      pixels[row + x] = (raw[src + x] + predictor) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) {
      data[i * 4] = pixels[s];
      data[i * 4 + 1] = pixels[s + 1];
      data[i * 4 + 2] = pixels[s + 2];
      data[i * 4 + 3] = channels === 4 ? pixels[s + 3] : 255;
    } else {
      data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = pixels[s];
      data[i * 4 + 3] = channels === 2 ? pixels[s + 1] : 255;
    }
  }
  return { width, height, data };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of an image inside `rect` (clamped to the image). */
export function crop(img: Rgba, rect: Rect): Rgba {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(img.width, Math.floor(rect.x + rect.width));
  const y1 = Math.min(img.height, Math.floor(rect.y + rect.height));
  const width = Math.max(0, x1 - x0);
  const height = Math.max(0, y1 - y0);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x1) * 4), y * width * 4);
  return { width, height, data };
}

/**
 * A mask for an image of width × height: 1 where a pixel counts, 0 inside any of the `excluded`
 * rectangles (grown by `margin` pixels).
 */
export function maskExcluding(width: number, height: number, excluded: readonly Rect[], margin = 2): Uint8Array {
  const mask = new Uint8Array(width * height).fill(1);
  for (const r of excluded) {
    const x0 = Math.max(0, Math.floor(r.x - margin));
    const y0 = Math.max(0, Math.floor(r.y - margin));
    const x1 = Math.min(width, Math.ceil(r.x + r.width + margin));
    const y1 = Math.min(height, Math.ceil(r.y + r.height + margin));
    for (let y = y0; y < y1; y++) mask.fill(0, y * width + x0, y * width + Math.max(x0, x1));
  }
  return mask;
}

export interface ImageStats {
  width: number;
  height: number;
  /** Pixels counted (all, or those the mask lets through). */
  counted: number;
  /** Distinct exact RGB colours. */
  distinctColours: number;
  /** The most common colour, #rrggbb, and its share of the pixels. */
  background: string;
  backgroundShare: number;
  /** Share of pixels that differ from the background colour by more than 24 in some channel. */
  nonBackgroundShare: number;
}

export function imageStats(img: Rgba, mask?: Uint8Array): ImageStats {
  const counts = new Map<number, number>();
  const n = img.width * img.height;
  const d = img.data;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    counted++;
    const key = (d[i * 4] << 16) | (d[i * 4 + 1] << 8) | d[i * 4 + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let bg = 0;
  let bgCount = 0;
  for (const [k, c] of counts) {
    if (c > bgCount) {
      bg = k;
      bgCount = c;
    }
  }
  const br = (bg >> 16) & 0xff;
  const bgG = (bg >> 8) & 0xff;
  const bb = bg & 0xff;
  let off = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const dr = Math.abs(d[i * 4] - br);
    const dg = Math.abs(d[i * 4 + 1] - bgG);
    const db = Math.abs(d[i * 4 + 2] - bb);
    if (Math.max(dr, dg, db) > 24) off++;
  }
  return {
    width: img.width,
    height: img.height,
    counted,
    distinctColours: counts.size,
    background: "#" + bg.toString(16).padStart(6, "0"),
    backgroundShare: counted ? bgCount / counted : 0,
    nonBackgroundShare: counted ? off / counted : 0,
  };
}

/** Pixels whose RGB differs by more than `threshold` in some channel (images of equal size; only where `mask` is 1). */
export function changedPixels(a: Rgba, b: Rgba, threshold = 16, mask?: Uint8Array): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size changed: ${a.width}×${a.height} → ${b.width}×${b.height}`);
  let changed = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (mask && !mask[i]) continue;
    const j = i * 4;
    if (Math.abs(a.data[j] - b.data[j]) > threshold || Math.abs(a.data[j + 1] - b.data[j + 1]) > threshold || Math.abs(a.data[j + 2] - b.data[j + 2]) > threshold) changed++;
  }
  return changed;
}
