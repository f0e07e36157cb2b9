// Encodes `frame` messages straight from the engine's packed arrays into JSON bytes, in the shapes
// of frames.ts (same keys, same order). Two things make it cheap enough for 60 frames/s × many
// sessions: numbers are written with at most 9 decimals by JsonWriter (no strings in between), and
// the bytes of resting things (a body with zero velocity, a contact unchanged since the last
// frame) are kept and copied instead of re-formatted. Moving things are not cached: keeping
// their bytes would only cost copies.
import type { SolverStats } from "../engine/types";
import { CONTACT_HEADER, CONTACT_POINT, STATE_STRIDE } from "../engine/types";
import { JsonWriter } from "./json-writer";

/**
 * What a frame is encoded from: an Engine (live) or a recorded frame (replay, so that a recorded
 * frame is written with the very same bytes as when it was streamed).
 */
export interface FrameSource {
  readonly time: number;
  stateArray(): Float64Array;
  contactsArray(): Float64Array;
  getSolverStats(): SolverStats;
  /** Static facts of every body (looked up when a body id is first seen). */
  bodies(): readonly { instanceId: number; assetId: number; isEnvironment: boolean }[];
}

interface Cached {
  values: Float64Array;
  /** Kept once the values repeat (resting); undefined while they keep changing. */
  bytes?: Uint8Array;
}

interface BodyEntry {
  prefix: string;
  isEnvironment: boolean;
  cached?: Cached;
}

export class FrameEncoder {
  private readonly out = new JsonWriter();
  private readonly bodies = new Map<number, BodyEntry>();
  private contactCache = new Map<number, Cached>();

  constructor(private readonly engine: FrameSource) {}

  /** The whole `{"type":"frame","data":{…}}` message as UTF-8 (ASCII) bytes. */
  encode(frameId: number): Buffer {
    return Buffer.from(this.encodeToArrayBuffer(frameId));
  }

  /** As `encode`, in an ArrayBuffer of its own (to transfer from a worker thread). */
  encodeToArrayBuffer(frameId: number): ArrayBuffer {
    const out = this.out;
    out.reset();
    out.raw('{"type":"frame","data":');
    this.writeData(out, frameId);
    out.raw("}");
    return out.toArrayBuffer();
  }

  /**
   * Appends the frame's `data` object (the source's current frame) to `out`. `beforeSolver`
   * writes extra members (each starting with a comma) between `collisions` and `solver`.
   */
  writeData(out: JsonWriter, frameId: number, beforeSolver?: (out: JsonWriter) => void): void {
    const engine = this.engine;
    out.raw('{"frame_id":').integer(frameId).raw(',"simulation_time":').number(engine.time).raw(',"states":[');
    const state = engine.stateArray();
    for (let k = 0; k < state.length; k += STATE_STRIDE) {
      if (k > 0) out.raw(",");
      this.writeBody(out, state, k);
    }
    out.raw('],"collisions":[');
    this.writeCollisions(out, engine.contactsArray());
    out.raw("]");
    beforeSolver?.(out);
    const s = engine.getSolverStats();
    out.raw(',"solver":{"iterations":').integer(s.iterations).raw(',"residual":').number(s.residual);
    out.raw(',"converged":').boolean(s.converged).raw(',"num_constraints":').integer(s.numConstraints);
    out.raw(',"num_contacts":').integer(s.numContacts).raw("}}");
  }

  private writeBody(out: JsonWriter, state: Float64Array, k: number): void {
    const body = this.body(state[k]);
    const values = state.subarray(k + 1, k + STATE_STRIDE);
    if (body.cached?.bytes && sameValues(body.cached.values, values)) {
      out.bytes(body.cached.bytes);
      return;
    }
    const start = out.mark();
    out.raw(body.prefix).raw('"position":{"x":').number(state[k + 1]).raw(',"y":').number(state[k + 2]).raw(',"z":').number(state[k + 3]);
    out.raw('},"velocity":{"x":').number(state[k + 8]).raw(',"y":').number(state[k + 9]).raw(',"z":').number(state[k + 10]);
    out.raw('},"orientation":{"w":').number(state[k + 4]).raw(',"x":').number(state[k + 5]).raw(',"y":').number(state[k + 6]).raw(',"z":').number(state[k + 7]);
    out.raw('},"angular_velocity":{"x":').number(state[k + 11]).raw(',"y":').number(state[k + 12]).raw(',"z":').number(state[k + 13]);
    out.raw('},"is_environment":').boolean(body.isEnvironment).raw("}");
    // Only a body at rest (velocity and ω exactly zero: asleep or static) will repeat itself.
    let resting = true;
    for (let i = 8; i < STATE_STRIDE && resting; i++) resting = state[k + i] === 0;
    body.cached = resting ? { values: values.slice(), bytes: out.since(start) } : undefined;
  }

  private body(id: number): BodyEntry {
    let body = this.bodies.get(id);
    if (body === undefined) {
      for (const info of this.engine.bodies()) {
        if (!this.bodies.has(info.instanceId)) {
          this.bodies.set(info.instanceId, { prefix: `{"body_id":${info.instanceId},"asset_id":${info.assetId},`, isEnvironment: info.isEnvironment });
        }
      }
      body = this.bodies.get(id) ?? { prefix: `{"body_id":${id},"asset_id":-1,`, isEnvironment: false };
    }
    return body;
  }

  /** The seed's CollisionInfo list from the packed contacts (witness points half the depth either side). */
  private writeCollisions(out: JsonWriter, packed: Float64Array): void {
    const cache = new Map<number, Cached>();
    for (let i = 0; i < packed.length; ) {
      const end = i + CONTACT_HEADER + CONTACT_POINT * packed[i + 5];
      const values = packed.subarray(i, end);
      const key = packed[i] * 4294967296 + packed[i + 1];
      if (i > 0) out.raw(",");
      const previous = this.contactCache.get(key);
      const unchanged = previous !== undefined && sameValues(previous.values, values);
      if (unchanged && previous.bytes) {
        out.bytes(previous.bytes);
        cache.set(key, previous);
      } else {
        const start = out.mark();
        this.writeCollision(out, values);
        cache.set(key, unchanged ? { values: previous.values, bytes: out.since(start) } : { values: values.slice() });
      }
      i = end;
    }
    this.contactCache = cache;
  }

  private writeCollision(out: JsonWriter, c: Float64Array): void {
    const nx = c[2], ny = c[3], nz = c[4];
    const count = c[5];
    let deepest = 0;
    for (let p = 0; p < count; p++) deepest = Math.max(deepest, c[CONTACT_HEADER + p * CONTACT_POINT + 3]);
    out.raw('{"body_a_id":').integer(c[0]).raw(',"body_b_id":').integer(c[1]);
    out.raw(',"normal":{"x":').number(nx).raw(',"y":').number(ny).raw(',"z":').number(nz);
    out.raw('},"penetration_depth":').number(deepest).raw(',"contacts":[');
    for (let p = 0, i = CONTACT_HEADER; p < count; p++, i += CONTACT_POINT) {
      const x = c[i], y = c[i + 1], z = c[i + 2], depth = c[i + 3];
      const h = depth / 2;
      if (p > 0) out.raw(",");
      out.raw('{"point_a":{"x":').number(x + nx * h).raw(',"y":').number(y + ny * h).raw(',"z":').number(z + nz * h);
      out.raw('},"point_b":{"x":').number(x - nx * h).raw(',"y":').number(y - ny * h).raw(',"z":').number(z - nz * h);
      out.raw('},"depth":').number(depth).raw("}");
    }
    out.raw("]}");
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
