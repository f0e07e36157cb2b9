// Shared scene builders and measurement helpers for the physics acceptance tests.
// Everything here goes through the public engine API only (spawn*, getBodyState,
// getFrameState, stateArray, getEnergy); nothing reads engine internals.

import { Engine } from "../../src/engine";
import type { BodyState, Vec3Input } from "../../src/engine/types";

/** Standard gravity used by the engine by default (DESIGN §2: (0, 0, −9.81)). */
export const G = 9.81;

/** Layout of stateArray(): id, px,py,pz, qw,qx,qy,qz, vx,vy,vz, wx,wy,wz. */
export const STRIDE = 14;

export type V3 = [number, number, number];
/** Quaternion as [w, x, y, z]. */
export type Q4 = [number, number, number, number];

// ---------------------------------------------------------------------------------------------
// Small vector / quaternion maths (plain arrays, no dependencies)

export const add = (a: readonly number[], b: readonly number[]): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: readonly number[], b: readonly number[]): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: readonly number[], s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const norm = (a: readonly number[]): number => Math.hypot(a[0], a[1], a[2]);

export function qmul(a: Q4, b: Q4): Q4 {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** Rotate v by the unit quaternion q (body → world when q is a body orientation). */
export function rotate(q: Q4, v: readonly number[]): V3 {
  const r = qmul(qmul(q, [0, v[0], v[1], v[2]]), [q[0], -q[1], -q[2], -q[3]]);
  return [r[1], r[2], r[3]];
}

/** Rotate v by the inverse of q (world → body). */
export function rotateInv(q: Q4, v: readonly number[]): V3 {
  return rotate([q[0], -q[1], -q[2], -q[3]], v);
}

/**
 * Quaternion of the Euler input convention (DESIGN §2): [pitch, roll, yaw], pitch about Y,
 * roll about X, yaw about Z, R = Rz(yaw)·Ry(pitch)·Rx(roll)  ⇒  q = qz(yaw)·qy(pitch)·qx(roll).
 */
export function quatFromEuler(pitch: number, roll: number, yaw: number): Q4 {
  const qx: Q4 = [Math.cos(roll / 2), Math.sin(roll / 2), 0, 0];
  const qy: Q4 = [Math.cos(pitch / 2), 0, Math.sin(pitch / 2), 0];
  const qz: Q4 = [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
  return qmul(qz, qmul(qy, qx));
}

// ---------------------------------------------------------------------------------------------
// Reading body state

export const pos = (s: BodyState): V3 => [s.position.x, s.position.y, s.position.z];
export const vel = (s: BodyState): V3 => [s.velocity.x, s.velocity.y, s.velocity.z];
export const omega = (s: BodyState): V3 => [s.angular_velocity.x, s.angular_velocity.y, s.angular_velocity.z];
export const quat = (s: BodyState): Q4 => [s.orientation.w, s.orientation.x, s.orientation.y, s.orientation.z];

/** The records of stateArray() keyed by body id (copies, so later steps do not alias them). */
export function stateById(engine: Engine): Map<number, Float64Array> {
  const a = engine.stateArray();
  const m = new Map<number, Float64Array>();
  for (let i = 0; i + STRIDE <= a.length; i += STRIDE) m.set(a[i], a.slice(i, i + STRIDE));
  return m;
}

/** Raw bytes of a copy of stateArray(), for bit-exact comparisons. */
export function stateBytes(engine: Engine): Uint8Array {
  const a = engine.stateArray().slice();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Describe the first difference between two state arrays (as bytes of Float64 records), or
 * return undefined when they are bit-identical. Used as `expect(firstDiff(a, b)).toBeUndefined()`
 * so a failure says where and by how much the runs diverged.
 */
export function firstDiff(a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length} bytes`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      const k = Math.floor(i / 8);
      const fa = new Float64Array(a.buffer, a.byteOffset, a.length / 8)[k];
      const fb = new Float64Array(b.buffer, b.byteOffset, b.length / 8)[k];
      const fields = ["id", "px", "py", "pz", "qw", "qx", "qy", "qz", "vx", "vy", "vz", "wx", "wy", "wz"];
      return `record ${Math.floor(k / STRIDE)} field ${fields[k % STRIDE]}: ${fa} vs ${fb}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers (mulberry32), so scenes are "random but seeded".

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Scene builders

export interface Material {
  restitution?: number;
  friction?: number;
}

/**
 * The ground: catalogue `plane` (100 × 100 × 1 slab whose top face is at local z = 0) spawned at
 * the origin as an environment body, so the ground surface is z = 0.
 */
export function addGround(engine: Engine, material: Material = {}): number {
  return engine.spawnEnvironmentObject("plane", [0, 0, 0], [0, 0, 0], material).instanceId;
}

/** The 8 corners of an axis-aligned box a × b × c centred at the origin. */
export function boxCorners(a: number, b: number, c: number): number[][] {
  const out: number[][] = [];
  for (const sx of [-0.5, 0.5]) for (const sy of [-0.5, 0.5]) for (const sz of [-0.5, 0.5]) out.push([sx * a, sy * b, sz * c]);
  return out;
}

/** Unit-cube material used by the stacking / pile scenes: 1 kg, μ 0.5, e 0. */
export const STACK_CUBE = { mass: 1, friction: 0.5, restitution: 0 } as const;

/** A tower of `n` unit cubes resting exactly on each other on the ground (centres 0.5, 1.5, …). */
export function buildTower(engine: Engine, n: number, gap = 0): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(engine.spawnInertialObject("unit_cube", [0, 0, 0.5 + i * (1 + gap)], [0, 0, 0], STACK_CUBE).instanceId);
  }
  return ids;
}

/**
 * A 2D brick pyramid of unit cubes in the x–z plane: rows of `base`, base − 1, …, 1 cubes,
 * horizontal gaps `gap` between neighbours, each row centred so it sits offset by half a pitch
 * on the row below, each cube resting exactly on the row below (row r centre at z = 0.5 + r).
 */
export function buildPyramid(engine: Engine, base: number, gap = 0.01): { id: number; p0: V3 }[] {
  const out: { id: number; p0: V3 }[] = [];
  const pitch = 1 + gap;
  for (let row = 0; row < base; row++) {
    const n = base - row;
    for (let i = 0; i < n; i++) {
      const p0: V3 = [(i - (n - 1) / 2) * pitch, 0, 0.5 + row];
      out.push({ id: engine.spawnInertialObject("unit_cube", p0, [0, 0, 0], STACK_CUBE).instanceId, p0 });
    }
  }
  return out;
}

/**
 * The pile-N scene of DESIGN §9: N unit cubes (1 kg, μ 0.5, e 0) in a grid with 1.5 m spacing,
 * `perSide` × `perSide` per layer, lowest layer at z = 2, above the ground (top at z = 0).
 */
export function buildPile(engine: Engine, n: number, perSide = 10, spacing = 1.5): number[] {
  const ids: number[] = [];
  const perLayer = perSide * perSide;
  for (let k = 0; k < n; k++) {
    const layer = Math.floor(k / perLayer);
    const i = k % perSide;
    const j = Math.floor((k % perLayer) / perSide);
    const p: Vec3Input = [(i - (perSide - 1) / 2) * spacing, (j - (perSide - 1) / 2) * spacing, 2 + layer * spacing];
    ids.push(engine.spawnInertialObject("unit_cube", p, [0, 0, 0], STACK_CUBE).instanceId);
  }
  return ids;
}

/**
 * A seeded random scene for determinism checks: a ground plane and `n` bodies (unit cubes, small
 * spheres, pyramids) on a jittered 3D grid (1.6 m cells, so no initial overlaps), with random
 * orientations, masses, materials, velocities and angular velocities, so that they collide.
 */
export function buildRandomScene(engine: Engine, n: number, seed: number): number[] {
  const r = rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  addGround(engine, { restitution: 0.3, friction: 0.6 });
  const assets = ["unit_cube", "small_sphere", "pyramid"];
  const nx = 8;
  const ny = 5;
  const cell = 1.6;
  const ids: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = k % nx;
    const j = Math.floor(k / nx) % ny;
    const l = Math.floor(k / (nx * ny));
    const p: Vec3Input = [
      (i - (nx - 1) / 2) * cell + u(-0.2, 0.2),
      (j - (ny - 1) / 2) * cell + u(-0.2, 0.2),
      1.0 + l * cell + u(0, 0.2),
    ];
    const o: Vec3Input = [u(-Math.PI, Math.PI), u(-Math.PI, Math.PI), u(-Math.PI, Math.PI)];
    ids.push(
      engine.spawnInertialObject(assets[k % assets.length], p, o, {
        mass: u(0.5, 5),
        restitution: u(0, 0.8),
        friction: u(0.2, 0.9),
        velocity: [u(-2, 2), u(-2, 2), u(-2, 1)],
        angularVelocity: [u(-3, 3), u(-3, 3), u(-3, 3)],
      }).instanceId,
    );
  }
  return ids;
}

/** Advance to absolute time `tEnd` seconds in chunks of `chunk` seconds (update() takes ms). */
export function runTo(engine: Engine, tEnd: number, chunk = 1): void {
  let t = engine.time;
  while (t < tEnd - 1e-12) {
    t = Math.min(tEnd, t + chunk);
    engine.update(t * 1000);
  }
}
