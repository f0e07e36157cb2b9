// The benchmark scenes of DESIGN §9, described engine-neutrally: lists of boxes (half extents,
// centre, orientation quaternion, material, mass for dynamic ones). Each engine adapter
// (bench/engines/*) builds the same list in its own world. Z is up, gravity (0, 0, −9.81).

export type Vec3 = [number, number, number];
/** Unit quaternion [w, x, y, z]. */
export type Quat = [number, number, number, number];

export interface BoxSpec {
  halfExtents: Vec3;
  /** Centre of the box (its centre of mass). */
  position: Vec3;
  orientation: Quat;
  friction: number;
  restitution: number;
}

export interface DynamicBox extends BoxSpec {
  mass: number;
}

export interface Scene {
  name: string;
  /** Seconds per step. */
  dt: number;
  /** Steps per run. */
  steps: number;
  gravity: Vec3;
  dynamic: DynamicBox[];
  static: BoxSpec[];
}

export const DT = 1 / 60;
export const STEPS = 600;
export const GRAVITY: Vec3 = [0, 0, -9.81];
const IDENTITY: Quat = [1, 0, 0, 0];
const FRICTION = 0.5;
const RESTITUTION = 0;

/** The 100 × 100 × 1 static box whose top face is z = 0 (μ 0.5, e 0). */
function ground(): BoxSpec {
  return { halfExtents: [50, 50, 0.5], position: [0, 0, -0.5], orientation: IDENTITY, friction: FRICTION, restitution: RESTITUTION };
}

/** A 1 kg unit cube (side 1 m), μ 0.5, e 0, unrotated. */
function unitCube(position: Vec3): DynamicBox {
  return { halfExtents: [0.5, 0.5, 0.5], position, orientation: IDENTITY, mass: 1, friction: FRICTION, restitution: RESTITUTION };
}

function scene(name: string, dynamic: DynamicBox[]): Scene {
  return { name, dt: DT, steps: STEPS, gravity: GRAVITY, dynamic, static: [ground()] };
}

/** One unit cube dropped from z = 5 (its centre) onto the ground; it ends at rest at z = 0.5. */
export function dropScene(): Scene {
  return scene("drop", [unitCube([0, 0, 5])]);
}

/**
 * `pile-N`: N unit cubes in a grid 1.5 m apart (horizontally and vertically), layers of s × s
 * centred on the origin (s = 10 for N ≤ 1000, 20 above), the lowest layer's centres at z = 2,
 * falling onto the ground. pile-100 is one layer, pile-1000 and pile-4000 ten layers.
 */
export function pileScene(n: number): Scene {
  if (!Number.isInteger(n) || n < 1) throw new Error(`pile size must be a positive integer (got ${n})`);
  const side = n <= 1000 ? 10 : 20;
  const spacing = 1.5;
  const cubes: DynamicBox[] = [];
  for (let i = 0; i < n; i++) {
    const column = i % side;
    const row = Math.floor(i / side) % side;
    const layer = Math.floor(i / (side * side));
    cubes.push(unitCube([(column - (side - 1) / 2) * spacing, (row - (side - 1) / 2) * spacing, 2 + layer * spacing]));
  }
  return scene(`pile-${n}`, cubes);
}

/**
 * `pyramid-N` (N = 20: 210 cubes): a 2D brick pyramid in the x–z plane. Rows of N, N − 1, …, 1
 * unit cubes with 1 cm gaps between neighbours (pitch 1.01 m); each row is offset by half a pitch
 * from the one below and rests exactly on it (row r's centres at z = 0.5 + r); the bottom row
 * stands on the ground.
 */
export function pyramidScene(rows: number): Scene {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`pyramid rows must be a positive integer (got ${rows})`);
  const pitch = 1.01;
  const cubes: DynamicBox[] = [];
  for (let r = 0; r < rows; r++) {
    const count = rows - r;
    for (let i = 0; i < count; i++) cubes.push(unitCube([(i - (count - 1) / 2) * pitch, 0, 0.5 + r]));
  }
  return scene(`pyramid-${rows}`, cubes);
}

/** The default scene list of `npm run bench`, in order. */
export const SCENE_NAMES = ["drop", "pile-100", "pile-1000", "pile-4000", "pyramid-20"] as const;

/** A scene by name: `drop`, `pile-N`, `pyramid-N`. */
export function makeScene(name: string): Scene {
  if (name === "drop") return dropScene();
  const pile = /^pile-(\d+)$/.exec(name);
  if (pile) return pileScene(Number(pile[1]));
  const pyramid = /^pyramid-(\d+)$/.exec(name);
  if (pyramid) return pyramidScene(Number(pyramid[1]));
  throw new Error(`unknown scene "${name}" (known: drop, pile-N, pyramid-N)`);
}
