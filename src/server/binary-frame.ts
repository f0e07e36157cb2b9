// The packed binary frame (`"encoding": "binary"`, docs/live-protocol.md "Binary frames"): a fixed
// header, then per body its pose (32 bytes) and velocities (24 bytes), then the contacts. All
// little-endian, float32 except the simulation time and the solver residual (float64), so a pose
// takes 32 bytes where its JSON takes ~250. Written from the same FrameSource as the JSON frame.
import { CONTACT_HEADER, CONTACT_POINT, STATE_STRIDE } from "../engine/types";
import type { FrameSource } from "./frame-encoder";

/** The layout's constants (the viewer's frame-decoder.js has the same). */
export const BINARY_FRAME = {
  /** "MSDF" as bytes. */
  magic: 0x4644534d,
  version: 1,
  headerBytes: 56,
  /** body id u32, position 3 × f32, orientation w x y z 4 × f32 */
  poseBytes: 32,
  /** velocity 3 × f32, angular velocity 3 × f32 */
  velocityBytes: 24,
  /** body a u32, body b u32, normal 3 × f32, point count u32 */
  collisionBytes: 24,
  /** midpoint 3 × f32, depth f32 */
  pointBytes: 16,
  /** flags bit 0: the solver converged */
  convergedFlag: 1,
} as const;

export class BinaryFrameEncoder {
  constructor(private readonly source: FrameSource) {}

  /** The source's current state as binary frame `frameId`, in an ArrayBuffer of its own. */
  encode(frameId: number): ArrayBuffer {
    const state = this.source.stateArray();
    const contacts = this.source.contactsArray();
    const bodies = state.length / STATE_STRIDE;
    const { collisions, points } = countContacts(contacts);
    const L = BINARY_FRAME;
    const buffer = new ArrayBuffer(L.headerBytes + bodies * (L.poseBytes + L.velocityBytes) + collisions * L.collisionBytes + points * L.pointBytes);
    const view = new DataView(buffer);
    this.writeHeader(view, frameId, bodies, collisions, points);
    let at = writeBodies(view, L.headerBytes, state);
    at = writeVelocities(view, at, state);
    writeContacts(view, at, at + collisions * L.collisionBytes, contacts);
    return buffer;
  }

  private writeHeader(view: DataView, frameId: number, bodies: number, collisions: number, points: number): void {
    const s = this.source.getSolverStats();
    view.setUint32(0, BINARY_FRAME.magic, true);
    view.setUint16(4, BINARY_FRAME.version, true);
    view.setUint16(6, s.converged ? BINARY_FRAME.convergedFlag : 0, true);
    view.setUint32(8, frameId >>> 0, true);
    view.setUint32(12, bodies, true);
    view.setFloat64(16, this.source.time, true);
    view.setUint32(24, collisions, true);
    view.setUint32(28, points, true);
    view.setUint32(32, s.iterations, true);
    view.setUint32(36, s.numConstraints, true);
    view.setFloat64(40, s.residual, true);
    view.setUint32(48, s.numContacts, true);
    view.setUint32(52, BINARY_FRAME.headerBytes, true);
  }
}

function countContacts(packed: Float64Array): { collisions: number; points: number } {
  let collisions = 0;
  let points = 0;
  for (let i = 0; i < packed.length; i += CONTACT_HEADER + CONTACT_POINT * packed[i + 5]) {
    collisions++;
    points += packed[i + 5];
  }
  return { collisions, points };
}

/** Poses in stateArray order (the JSON frame's `states` order). Returns the offset after them. */
function writeBodies(view: DataView, at: number, state: Float64Array): number {
  for (let k = 0; k < state.length; k += STATE_STRIDE, at += BINARY_FRAME.poseBytes) {
    view.setUint32(at, state[k], true);
    // position x y z, then orientation w x y z: stateArray's indices 1–7, in that order
    for (let i = 1; i <= 7; i++) view.setFloat32(at + 4 * i, state[k + i], true);
  }
  return at;
}

/** Velocity and angular velocity (stateArray indices 8–13), body by body in the poses' order. */
function writeVelocities(view: DataView, at: number, state: Float64Array): number {
  for (let k = 0; k < state.length; k += STATE_STRIDE, at += BINARY_FRAME.velocityBytes) {
    for (let i = 0; i < 6; i++) view.setFloat32(at + 4 * i, state[k + 8 + i], true);
  }
  return at;
}

/** Collision records at `at`, their points (midpoint and depth) at `pointsAt`. */
function writeContacts(view: DataView, at: number, pointsAt: number, packed: Float64Array): void {
  for (let i = 0; i < packed.length; at += BINARY_FRAME.collisionBytes) {
    const count = packed[i + 5];
    view.setUint32(at, packed[i], true);
    view.setUint32(at + 4, packed[i + 1], true);
    view.setFloat32(at + 8, packed[i + 2], true);
    view.setFloat32(at + 12, packed[i + 3], true);
    view.setFloat32(at + 16, packed[i + 4], true);
    view.setUint32(at + 20, count, true);
    i += CONTACT_HEADER;
    for (let p = 0; p < count; p++, i += CONTACT_POINT, pointsAt += BINARY_FRAME.pointBytes) {
      for (let j = 0; j < 4; j++) view.setFloat32(pointsAt + 4 * j, packed[i + j], true);
    }
  }
}
