// Recorded frames as the replay API's FrameData JSON (docs/replay-api.md). States, collisions and
// solver go through the live FrameEncoder, so a recorded frame reads back as the same bytes that
// were streamed; friction_constraints are written between collisions and solver, one per touching
// contact point.
import type { SolverStats } from "../engine/types";
import type { RecordedFrame, RecordingReader } from "../recording";
import { CONTACT_HEADER, CONTACT_POINT, FRICTION_STRIDE, STATE_STRIDE } from "../engine/types";
import { FrameEncoder, FrameSource } from "./frame-encoder";
import { JsonWriter } from "./json-writer";

/** A recording's frames as a FrameSource: set `frame`, then encode. */
class RecordedFrameSource implements FrameSource {
  frame: RecordedFrame | undefined;
  private readonly infos: { instanceId: number; assetId: number; isEnvironment: boolean }[];

  constructor(reader: RecordingReader) {
    this.infos = reader.metadata().bodies.map((b) => ({ instanceId: b.body_id, assetId: b.asset_id, isEnvironment: b.is_environment }));
  }

  get time(): number {
    return this.current().simulationTime;
  }

  stateArray(): Float64Array {
    return this.current().states;
  }

  contactsArray(): Float64Array {
    return this.current().contacts;
  }

  getSolverStats(): SolverStats {
    return this.current().solver;
  }

  bodies(): readonly { instanceId: number; assetId: number; isEnvironment: boolean }[] {
    return this.infos;
  }

  private current(): RecordedFrame {
    if (!this.frame) throw new Error("no recorded frame selected");
    return this.frame;
  }
}

/**
 * Bytes of JSON buffer a writer keeps between responses; after a bigger response its buffer is let
 * go (the next response starts a fresh one), so a recording's cached writer does not hold on to
 * the memory of its largest response.
 */
export const RETAINED_BUFFER_BYTES = 1024 * 1024;

/** Writes FrameData JSON for one recording (keeps the encoder's caches between requests). */
export class ReplayFrameWriter {
  private readonly source: RecordedFrameSource;
  private readonly encoder: FrameEncoder;
  private out = new JsonWriter();

  constructor(reader: RecordingReader) {
    this.source = new RecordedFrameSource(reader);
    this.encoder = new FrameEncoder(this.source);
  }

  /** Bytes of buffer this writer holds on to between responses (at most RETAINED_BUFFER_BYTES). */
  get retainedBytes(): number {
    return this.out.capacity;
  }

  /** One FrameData object as JSON bytes. */
  frame(frame: RecordedFrame): Buffer {
    this.out.reset();
    this.write(frame);
    return this.finish();
  }

  /**
   * A JSON array of FrameData: the frames in order until the array has reached `maxBytes` (it
   * always holds the first frame, however big; the frames after the budget is reached are not
   * read). So it may hold fewer frames than `frames` has: the caller continues after the last one.
   */
  frames(frames: Iterable<RecordedFrame>, maxBytes = Infinity): Buffer {
    const out = this.out;
    out.reset();
    out.raw("[");
    let first = true;
    for (const frame of frames) {
      if (!first) out.raw(",");
      first = false;
      this.write(frame);
      if (out.mark() >= maxBytes) break;
    }
    out.raw("]");
    return this.finish();
  }

  /** The bytes written, as a Buffer of their own; lets a grown buffer go. */
  private finish(): Buffer {
    const bytes = this.out.toBuffer();
    if (this.out.capacity > RETAINED_BUFFER_BYTES) this.out = new JsonWriter();
    return bytes;
  }

  private write(frame: RecordedFrame): void {
    this.source.frame = frame;
    try {
      this.encoder.writeData(this.out, frame.frameId, (out) => writeFrictionConstraints(out, frame));
    } finally {
      this.source.frame = undefined;
    }
  }
}

/**
 * `,"friction_constraints":[…]`: per touching contact point. The engine applies friction once per
 * contact patch (frictionArray); each point gets the patch's force in proportion to its share of
 * the patch's normal impulse (all points, speculative ones too: they carry load as well; equal
 * shares when there is none), so every point sees the patch's ratio of friction to normal force.
 * Lever arms are the point relative to each body's centre of mass in this frame; lambdas are
 * forces in N (impulse / step).
 */
export function writeFrictionConstraints(out: JsonWriter, frame: RecordedFrame): void {
  out.raw(',"friction_constraints":[');
  const { contacts, friction, states, stepDt } = frame;
  const positions = positionsById(states);
  let first = true;
  for (let i = 0, f = 0; i < contacts.length; f += FRICTION_STRIDE) {
    const a = contacts[i], b = contacts[i + 1];
    const nx = contacts[i + 2], ny = contacts[i + 3], nz = contacts[i + 4];
    const count = contacts[i + 5];
    const pa = positions.get(a), pb = positions.get(b);
    const patchImpulse = friction[f + 9];
    for (let p = 0; p < count; p++) {
      const k = i + CONTACT_HEADER + p * CONTACT_POINT;
      const x = contacts[k], y = contacts[k + 1], z = contacts[k + 2], impulse = contacts[k + 4];
      const share = patchImpulse > 0 ? impulse / patchImpulse : 1 / count;
      if (!first) out.raw(",");
      first = false;
      out.raw('{"body_a_id":').integer(a).raw(',"body_b_id":').integer(b);
      vector(out, ',"normal":', nx, ny, nz);
      vector(out, ',"tangent1":', friction[f + 1], friction[f + 2], friction[f + 3]);
      vector(out, ',"tangent2":', friction[f + 4], friction[f + 5], friction[f + 6]);
      vector(out, ',"lever_arm_a":', x - (pa?.[0] ?? x), y - (pa?.[1] ?? y), z - (pa?.[2] ?? z));
      vector(out, ',"lever_arm_b":', x - (pb?.[0] ?? x), y - (pb?.[1] ?? y), z - (pb?.[2] ?? z));
      out.raw(',"friction_coefficient":').number(friction[f]);
      out.raw(',"normal_lambda":').number(stepDt > 0 ? impulse / stepDt : 0);
      out.raw(',"tangent1_lambda":').number(friction[f + 7] * share);
      out.raw(',"tangent2_lambda":').number(friction[f + 8] * share).raw("}");
    }
    i += CONTACT_HEADER + count * CONTACT_POINT;
  }
  out.raw("]");
}

function vector(out: JsonWriter, key: string, x: number, y: number, z: number): void {
  out.raw(key).raw('{"x":').number(x).raw(',"y":').number(y).raw(',"z":').number(z).raw("}");
}

function positionsById(states: Float64Array): Map<number, Float64Array> {
  const map = new Map<number, Float64Array>();
  for (let k = 0; k < states.length; k += STATE_STRIDE) map.set(states[k], states.subarray(k + 1, k + 4));
  return map;
}
