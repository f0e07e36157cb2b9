// Binary frames (`"encoding": "binary"`, docs/live-protocol.md "Binary frames") → the very objects
// a JSON frame's `data` parses to, so the rest of the page (SceneView, inspector, chart) cannot
// tell them apart. Body facts a pose does not carry (asset id, environment or not) come from the
// latest `metadata`. Numbers are float32 on the wire (positions to ~0.1 µm at 1 m), except the
// simulation time and the solver residual.

/** The layout's constants (the server's src/server/binary-frame.ts has the same). */
export const BINARY_FRAME = Object.freeze({
  magic: 0x4644534d, // "MSDF"
  version: 1,
  headerBytes: 56,
  poseBytes: 32,
  velocityBytes: 24,
  collisionBytes: 24,
  pointBytes: 16,
  convergedFlag: 1,
});

/**
 * @typedef {{body_id: number, asset_id: number, is_environment: boolean}} BodyFacts
 * @typedef {{x: number, y: number, z: number}} Vec3
 */

/** Decodes binary frames for one scene (setMetadata again when the scene changes). */
export class FrameDecoder {
  /** @type {Map<number, BodyFacts>} */
  #bodies = new Map();

  /** @param {{bodies?: BodyFacts[]}} [metadata] */
  constructor(metadata) {
    if (metadata) this.setMetadata(metadata);
  }

  /** @param {{bodies?: BodyFacts[]}} metadata */
  setMetadata(metadata) {
    this.#bodies = new Map((metadata.bodies ?? []).map((b) => [b.body_id, b]));
  }

  /**
   * A binary frame → the JSON frame's `data`: {frame_id, simulation_time, states, collisions, solver}.
   * Throws an Error naming the problem for bytes that are not a frame of a known version.
   * @param {ArrayBuffer} buffer
   */
  decode(buffer) {
    const view = new DataView(buffer);
    const header = readHeader(view);
    const { poseBytes, velocityBytes } = BINARY_FRAME;
    const velocitiesAt = header.headerBytes + header.bodies * poseBytes;
    const states = [];
    for (let b = 0; b < header.bodies; b++) states.push(this.#state(view, header.headerBytes + b * poseBytes, velocitiesAt + b * velocityBytes));
    return {
      frame_id: header.frameId,
      simulation_time: header.simulationTime,
      states,
      collisions: readCollisions(view, velocitiesAt + header.bodies * velocityBytes, header.collisions),
      solver: header.solver,
    };
  }

  /**
   * One body's state, its keys in the JSON frame's order.
   * @param {DataView} view @param {number} at its pose @param {number} velocityAt its velocities
   */
  #state(view, at, velocityAt) {
    const bodyId = view.getUint32(at, true);
    const facts = this.#bodies.get(bodyId);
    return {
      body_id: bodyId,
      asset_id: facts?.asset_id ?? -1,
      position: vec3(view, at + 4),
      velocity: vec3(view, velocityAt),
      orientation: { w: f32(view, at + 16), x: f32(view, at + 20), y: f32(view, at + 24), z: f32(view, at + 28) },
      angular_velocity: vec3(view, velocityAt + 12),
      is_environment: facts?.is_environment ?? false,
    };
  }
}

/** @param {DataView} view */
function readHeader(view) {
  if (view.byteLength < BINARY_FRAME.headerBytes) throw new Error(`binary frame too short: ${view.byteLength} bytes (the header alone is ${BINARY_FRAME.headerBytes})`);
  const magic = view.getUint32(0, true);
  if (magic !== BINARY_FRAME.magic) throw new Error(`not a binary frame: magic 0x${magic.toString(16)} (expected 0x${BINARY_FRAME.magic.toString(16)})`);
  const version = view.getUint16(4, true);
  if (version !== BINARY_FRAME.version) throw new Error(`binary frame version ${version} is not supported (this page reads version ${BINARY_FRAME.version})`);
  const header = {
    frameId: view.getUint32(8, true),
    bodies: view.getUint32(12, true),
    simulationTime: view.getFloat64(16, true),
    collisions: view.getUint32(24, true),
    points: view.getUint32(28, true),
    solver: {
      iterations: view.getUint32(32, true),
      residual: view.getFloat64(40, true),
      converged: (view.getUint16(6, true) & BINARY_FRAME.convergedFlag) !== 0,
      num_constraints: view.getUint32(36, true),
      num_contacts: view.getUint32(48, true),
    },
    // later versions may grow the header: the sections start where it says
    headerBytes: view.getUint32(52, true),
  };
  const L = BINARY_FRAME;
  const expected = header.headerBytes + header.bodies * (L.poseBytes + L.velocityBytes) + header.collisions * L.collisionBytes + header.points * L.pointBytes;
  if (expected !== view.byteLength) throw new Error(`binary frame ${header.frameId} is ${view.byteLength} bytes, its header says ${expected}`);
  return header;
}

/**
 * The collisions, as the JSON frame has them: witness points half the depth either side of each
 * contact's midpoint along the normal (A → B), penetration_depth the deepest point's depth.
 * @param {DataView} view @param {number} at @param {number} count
 */
function readCollisions(view, at, count) {
  let pointAt = at + count * BINARY_FRAME.collisionBytes;
  const collisions = [];
  for (let c = 0; c < count; c++, at += BINARY_FRAME.collisionBytes) {
    const normal = vec3(view, at + 8);
    const points = view.getUint32(at + 20, true);
    const contacts = [];
    let deepest = 0;
    for (let p = 0; p < points; p++, pointAt += BINARY_FRAME.pointBytes) {
      const mid = vec3(view, pointAt);
      const depth = f32(view, pointAt + 12);
      const h = depth / 2;
      deepest = Math.max(deepest, depth);
      contacts.push({
        point_a: { x: mid.x + normal.x * h, y: mid.y + normal.y * h, z: mid.z + normal.z * h },
        point_b: { x: mid.x - normal.x * h, y: mid.y - normal.y * h, z: mid.z - normal.z * h },
        depth,
      });
    }
    collisions.push({ body_a_id: view.getUint32(at, true), body_b_id: view.getUint32(at + 4, true), normal, penetration_depth: deepest, contacts });
  }
  return collisions;
}

/** @param {DataView} view @param {number} at @returns {Vec3} */
function vec3(view, at) {
  return { x: f32(view, at), y: f32(view, at + 4), z: f32(view, at + 8) };
}

/** @param {DataView} view @param {number} at */
function f32(view, at) {
  return view.getFloat32(at, true);
}
