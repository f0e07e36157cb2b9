// Overlays of the replay page that the live view does not have: contact force arrows drawn from a
// recorded frame's friction_constraints, and the solver diagnostics line.
//
// Forces are drawn as the force ON BODY A of each contact (A is the inertial body of an
// inertial–environment pair): the engine applies −n·λn − t1·λt1 − t2·λt2 to A (n from A to B), so
// the normal force points along −n and the friction force along −(t1·λt1 + t2·λt2). Normal-force
// arrows end at the contact point (they push on the body from outside, as in a free-body diagram,
// so they are not hidden inside it); friction arrows start at it, along the surface.
//
// Scale: an arrow as long as a typical body (the median size of the inertial bodies) stands for half
// the median inertial body's weight m·|g|, so a box at rest on four contact points shows four arrows
// of half its size, and a sphere on one point an arrow twice its size. Lengths are capped at three
// sizes (impacts give large impulses for one step).

import * as THREE from "three";
import { instancedPair } from "./scene-view.js";

const NORMAL_FORCE_COLOR = 0x3ddc97;
const FRICTION_FORCE_COLOR = 0xffa23a;
/** Forces below this share of the reference force are not drawn (numerical dust). */
const MIN_SHARE = 1e-3;
const MAX_LENGTH_SIZES = 3;
/**
 * The reference the arrows are scaled by, from metadata and the assets' triangle lists.
 * @param {{bodies: any[], gravity?: number[]}} metadata
 * @param {Array<{asset_id: number, positions: ArrayLike<number>}>} assets
 * @returns {{sizeM: number, forceN: number}} an arrow of sizeM metres stands for forceN newtons
 */
export function forceScale(metadata, assets) {
  const extent = new Map(assets.map((a) => [a.asset_id, maxExtent(a.positions)]));
  const inertial = metadata.bodies.filter((b) => !b.is_environment);
  const sizes = inertial.map((b) => extent.get(b.asset_id) ?? 1).filter((s) => s > 0);
  const g = Array.isArray(metadata.gravity) ? Math.hypot(...metadata.gravity) : 9.81;
  const weights = inertial.map((b) => (Number(b.mass) || 0) * (g || 9.81)).filter((w) => w > 0);
  return { sizeM: median(sizes) ?? 1, forceN: (median(weights) ?? 9.81) / 2 };
}

/** @param {ArrayLike<number>} positions flat xyz @returns {number} the largest side of the bounding box */
function maxExtent(positions) {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 2 < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      min[k] = Math.min(min[k], positions[i + k]);
      max[k] = Math.max(max[k], positions[i + k]);
    }
  }
  return Math.max(0, max[0] - min[0], max[1] - min[1], max[2] - min[2]);
}

/** @param {number[]} values @returns {number | undefined} */
function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Arrows (from, unit direction, length in m) for the forces of one frame.
 * @param {any} frame FrameData with states and friction_constraints
 * @param {{sizeM: number, forceN: number}} scale
 * @returns {{normal: Arrow[], friction: Arrow[]}}
 * @typedef {{from: number[], dir: number[], length: number}} Arrow
 */
export function forceArrows(frame, scale) {
  /** @type {Map<number, {x: number, y: number, z: number}>} */
  const positions = new Map((frame?.states ?? []).map((/** @type {any} */ s) => [s.body_id, s.position]));
  const normal = [];
  const friction = [];
  for (const c of frame?.friction_constraints ?? []) {
    const body = positions.get(c.body_a_id);
    if (!body || !c.normal || !c.lever_arm_a) continue;
    const at = [body.x + c.lever_arm_a.x, body.y + c.lever_arm_a.y, body.z + c.lever_arm_a.z];
    const n = [-c.normal.x, -c.normal.y, -c.normal.z];
    const lengthN = arrowLength(Number(c.normal_lambda), scale);
    // ends at the contact point: starts `length` back along the force
    if (lengthN > 0) normal.push({ from: at.map((v, k) => v - n[k] * lengthN), dir: n, length: lengthN });
    const f = frictionVector(c);
    const lengthF = arrowLength(Math.hypot(...f), scale);
    if (lengthF > 0) friction.push({ from: at, dir: unit(f), length: lengthF });
  }
  return { normal, friction };
}

/** Friction force on A: −(t1·λt1 + t2·λt2). @param {any} c */
function frictionVector(c) {
  const l1 = Number(c.tangent1_lambda) || 0;
  const l2 = Number(c.tangent2_lambda) || 0;
  const t1 = c.tangent1 ?? { x: 0, y: 0, z: 0 };
  const t2 = c.tangent2 ?? { x: 0, y: 0, z: 0 };
  return [-(t1.x * l1 + t2.x * l2), -(t1.y * l1 + t2.y * l2), -(t1.z * l1 + t2.z * l2)];
}

/** @param {number[]} v */
function unit(v) {
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : [0, 0, 1];
}

/** @param {number} force N @param {{sizeM: number, forceN: number}} scale @returns {number} m, 0 = not drawn */
function arrowLength(force, scale) {
  if (!Number.isFinite(force) || Math.abs(force) < MIN_SHARE * scale.forceN) return 0;
  return Math.min(MAX_LENGTH_SIZES * scale.sizeM, (Math.abs(force) / scale.forceN) * scale.sizeM);
}

/**
 * The solver line for a frame: what it did, and a verdict that is "idle" (not a failure) on a
 * frame with nothing to solve. The seed showed DIVERGED there, because its recorder wrote
 * converged = 0 when no contact existed.
 * @param {any} solver the frame's SolverDiagnostics
 * @returns {{state: "idle" | "converged" | "unconverged" | "none", text: string}}
 */
export function solverSummary(solver) {
  if (!solver || typeof solver !== "object") return { state: "none", text: "no solver data" };
  const constraints = Number(solver.num_constraints) || 0;
  const contacts = Number(solver.num_contacts) || 0;
  if (constraints === 0 && contacts === 0) return { state: "idle", text: "nothing to solve" };
  const residual = Number(solver.residual);
  const parts = [
    `${solver.iterations} it`,
    `residual ${Number.isFinite(residual) ? residual.toExponential(1) : "–"}`,
    `${constraints} constraint${constraints === 1 ? "" : "s"}`,
    `${contacts} contact${contacts === 1 ? "" : "s"}`,
  ];
  return solver.converged ? { state: "converged", text: `${parts.join(" · ")} · converged` } : { state: "unconverged", text: `${parts.join(" · ")} · not converged` };
}

/** Force arrows in the 3D view: normal forces (green) and friction forces (orange). */
export class ForceOverlay {
  #group = new THREE.Group();
  /** @type {() => void} */ #remove;
  #flags = { forces: false, friction: false };
  /** @type {{sizeM: number, forceN: number}} */ #scale;
  #normal;
  #friction;
  /** @type {any} */ #frame = null;

  /**
   * @param {{addObject: (o: THREE.Object3D) => () => void, invalidate: () => void}} view a SceneView
   * @param {{sizeM: number, forceN: number}} scale see forceScale()
   */
  constructor(view, scale) {
    this.view = view;
    this.#scale = scale;
    const shaftRadius = scale.sizeM * 0.018;
    this.#normal = new ArrowField(NORMAL_FORCE_COLOR, shaftRadius);
    this.#friction = new ArrowField(FRICTION_FORCE_COLOR, shaftRadius);
    this.#group.add(this.#normal.group, this.#friction.group);
    this.#remove = view.addObject(this.#group);
  }

  /** @param {{forces?: boolean, friction?: boolean}} flags */
  setFlags(flags) {
    if (typeof flags.forces === "boolean") this.#flags.forces = flags.forces;
    if (typeof flags.friction === "boolean") this.#flags.friction = flags.friction;
    this.update(this.#frame);
  }

  /** @param {any} frame the frame shown */
  update(frame) {
    this.#frame = frame;
    const arrows = this.#flags.forces || this.#flags.friction ? forceArrows(frame, this.#scale) : { normal: [], friction: [] };
    this.#normal.set(this.#flags.forces ? arrows.normal : []);
    this.#friction.set(this.#flags.friction ? arrows.friction : []);
    this.view.invalidate();
  }

  /** What an arrow's length means, for the legend. */
  legend() {
    return `arrow ${this.#scale.sizeM.toPrecision(2)} m = ${this.#scale.forceN.toPrecision(3)} N`;
  }

  dispose() {
    this.#remove();
    this.#normal.dispose();
    this.#friction.dispose();
  }
}

/**
 * Many arrows of one colour: instanced cylinder shafts and cone heads, each drawn twice (solid and
 * depth-tested, then faint on top of everything) like the live view's contact overlay, so that
 * arrows under or inside bodies still show.
 */
class ArrowField {
  group = new THREE.Group();
  #capacity = 0;
  /** @type {THREE.InstancedMesh[]} */ #shafts = [];
  /** @type {THREE.InstancedMesh[]} */ #heads = [];

  /** @param {number} color @param {number} radius shaft radius, m */
  constructor(color, radius) {
    this.radius = radius;
    this.headLength = radius * 9;
    // unit-height shaft from y = 0 to 1, and a head of headLength with its base at y = 0
    this.shaftGeometry = new THREE.CylinderGeometry(radius, radius, 1, 8).translate(0, 0.5, 0);
    this.headGeometry = new THREE.ConeGeometry(radius * 3, this.headLength, 12).translate(0, this.headLength / 2, 0);
    this.materials = [
      new THREE.MeshBasicMaterial({ color, fog: false, transparent: true }),
      new THREE.MeshBasicMaterial({ color, fog: false, transparent: true, opacity: 0.3, depthTest: false, depthWrite: false }),
    ];
    this.#grow(32);
  }

  /** @param {Array<{from: number[], dir: number[], length: number}>} arrows */
  set(arrows) {
    if (arrows.length > this.#capacity) this.#grow(Math.max(arrows.length, 2 * this.#capacity));
    const matrix = new THREE.Matrix4();
    const rotation = new THREE.Quaternion();
    const up = new THREE.Vector3(0, 1, 0);
    const dir = new THREE.Vector3();
    const at = new THREE.Vector3();
    const scale = new THREE.Vector3();
    arrows.forEach((arrow, i) => {
      dir.fromArray(arrow.dir);
      rotation.setFromUnitVectors(up, dir);
      const head = Math.min(this.headLength, arrow.length * 0.4);
      at.fromArray(arrow.from);
      this.#shafts[0].setMatrixAt(i, matrix.compose(at, rotation, scale.set(1, Math.max(1e-6, arrow.length - head), 1)));
      at.addScaledVector(dir, arrow.length - head);
      const s = head / this.headLength;
      this.#heads[0].setMatrixAt(i, matrix.compose(at, rotation, scale.set(s, s, s)));
    });
    for (const mesh of [...this.#shafts, ...this.#heads]) mesh.count = arrows.length;
    this.#shafts[0].instanceMatrix.needsUpdate = true;
    this.#heads[0].instanceMatrix.needsUpdate = true;
  }

  dispose() {
    for (const mesh of [...this.#shafts, ...this.#heads]) mesh.dispose();
    this.shaftGeometry.dispose();
    this.headGeometry.dispose();
    for (const material of this.materials) material.dispose();
  }

  /** @param {number} capacity */
  #grow(capacity) {
    for (const mesh of [...this.#shafts, ...this.#heads]) {
      this.group.remove(mesh);
      mesh.dispose();
    }
    this.#shafts = instancedPair(this.shaftGeometry, this.materials, capacity);
    this.#heads = instancedPair(this.headGeometry, this.materials, capacity);
    this.group.add(...this.#shafts, ...this.#heads);
    this.#capacity = capacity;
  }
}
