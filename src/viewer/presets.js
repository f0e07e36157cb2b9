// Preset scenes for the live viewer, as plain data: every builder returns the `objects` array of
// a `configure` message (docs/live-protocol.md): asset names from the catalogue, positions in
// metres, orientations [pitch, roll, yaw] in radians. No DOM, so Node tests import this directly.
//
// Conventions used below (README "Conventions"): Z is up; `plane` placed at the origin is a
// 100 × 100 × 1 m slab whose top face is at z = 0; every other catalogue asset's origin is its
// centre of mass; R = Rz(yaw)·Ry(pitch)·Rx(roll), pitch about Y.

/** Degrees → radians. */
export const deg = (d) => (d * Math.PI) / 180;

/** Rounds to 1e-9 (1 nm / 1 nrad): keeps presets readable in the object list and on the wire. */
const r9 = (x) => Math.round(x * 1e9) / 1e9 + 0; // + 0 turns -0 into 0

/** The ground every preset stands on: the catalogue `plane`, top face at z = 0. */
export function ground({ restitution = 0.5, friction = 0.5 } = {}) {
  return { asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment", restitution, friction };
}

/**
 * An inertial body.
 * @param {string} asset catalogue asset name
 * @param {number[]} position [x, y, z] m
 * @param {{orientation?: number[], mass?: number, restitution?: number, friction?: number}} [options]
 */
export function body(asset, position, { orientation = [0, 0, 0], mass = 1, restitution = 0.5, friction = 0.5 } = {}) {
  return {
    asset_name: asset,
    position: position.map(r9),
    orientation: orientation.map(r9),
    object_type: "inertial",
    mass,
    restitution,
    friction,
  };
}

/** Small deterministic pseudo-random generator (mulberry32) so presets are reproducible. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 1 m cube dropped from 4 m, tilted so it lands on an edge and tumbles. */
export function buildCubeDrop() {
  return [
    ground(),
    body("cube", [0, 0, 4], { orientation: [deg(20), deg(15), deg(10)], mass: 10, restitution: 0.5, friction: 0.5 }),
  ];
}

/** The restitutions of the three spheres, left to right. */
export const SPHERE_RESTITUTIONS = [0.2, 0.5, 0.9];

/**
 * Three 0.5 m spheres dropped side by side from 3 m. The floor's restitution is 1, so with the
 * geometric-mean rule each pair bounces with √e: the order (and the visible difference) is kept.
 */
export function buildBouncingSpheres() {
  return [
    ground({ restitution: 1, friction: 0.5 }),
    ...SPHERE_RESTITUTIONS.map((e, i) => body("small_sphere", [(i - 1) * 2, 0, 3], { mass: 1, restitution: e, friction: 0.5 })),
  ];
}

/**
 * A tower of `count` 1 m cubes, each resting exactly on the one below (faces touching, no gap:
 * the tower starts in equilibrium and stands still).
 * @param {number} [count]
 */
export function buildTower(count = 10) {
  const objects = [ground({ restitution: 0.1, friction: 0.6 })];
  for (let i = 0; i < count; i++) {
    objects.push(body("cube", [0, 0, 0.5 + i], { mass: 1, restitution: 0.05, friction: 0.6 }));
  }
  return objects;
}

/**
 * A 2D brick pyramid in the x–z plane: rows of `base`, base − 1, …, 1 cubes (210 for 20), 1 cm
 * gaps between neighbours, each row centred, so it is offset by half a cube (plus half a gap)
 * from the row below. Each row rests exactly on the one below, so the pyramid starts in
 * equilibrium and stands still.
 * @param {{base?: number, asset?: string, side?: number, gap?: number}} [options]
 */
export function buildPyramid({ base = 20, asset = "tiny_cube", side = 0.5, gap = 0.01 } = {}) {
  const pitch = side + gap;
  const objects = [ground({ restitution: 0.1, friction: 0.6 })];
  for (let row = 0; row < base; row++) {
    const n = base - row;
    const z = side / 2 + row * side;
    for (let i = 0; i < n; i++) {
      objects.push(body(asset, [(i - (n - 1) / 2) * pitch, 0, z], { mass: 1, restitution: 0.05, friction: 0.6 }));
    }
  }
  return objects;
}

/**
 * A pile: `nx × ny × layers` 0.5 m cubes (200 by default) released in a grid from 1.5 m up. Each
 * layer is shifted by half a cell from the one below and every cube gets a small deterministic
 * offset and a random orientation, so they land on edges and corners and tumble into a heap
 * (an aligned grid would just stack into columns). Centres stay ≥ 0.87 m apart, more than the
 * 0.866 m that two 0.5 m cubes in any orientation need (their circumscribed spheres, r = √3/4),
 * so nothing starts interpenetrating.
 * @param {{nx?: number, ny?: number, layers?: number, spacing?: number, height?: number}} [options]
 */
export function buildPile({ nx = 5, ny = 5, layers = 8, spacing = 0.9, height = 1.5 } = {}) {
  const random = rng(200);
  const between = (lo, hi) => lo + (hi - lo) * random();
  const objects = [ground({ restitution: 0.2, friction: 0.5 })];
  for (let k = 0; k < layers; k++) {
    const shift = k % 2 === 0 ? 0 : spacing / 2;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const x = (i - (nx - 1) / 2) * spacing + shift + between(-0.015, 0.015);
        const y = (j - (ny - 1) / 2) * spacing + shift + between(-0.015, 0.015);
        objects.push(
          body("tiny_cube", [x, y, height + k * spacing], {
            orientation: [deg(between(-45, 45)), deg(between(-45, 45)), deg(between(0, 90))],
            mass: 1,
            restitution: 0.2,
            friction: 0.5,
          }),
        );
      }
    }
  }
  return objects;
}

/** Geometry of the ramp preset (exported for tests and the description). */
export const RAMP = {
  /** slope angle (rad) */
  angle: deg(30),
  /** friction of block and ramp: the pair's μ = √(0.3·0.3) = 0.3 < tan 30° ≈ 0.577, so it slides */
  friction: 0.3,
  /** the ramp is a `large_cube` (side 2 m) rotated by `angle` about Y (pitch) */
  rampAsset: "large_cube",
  rampHalf: 1,
  /** the block is a `tiny_cube` (side 0.5 m) */
  blockAsset: "tiny_cube",
  blockHalf: 0.25,
  /** the block's centre sits this far up-slope from the centre of the ramp's top face */
  upslope: 0.65,
  /** and this far above the face (1 mm: touching, not interpenetrating) */
  clearance: 0.001,
};

/**
 * A block resting near the top of a 30° ramp, μ = 0.3: it slides down (a = g(sin θ − μ cos θ)
 * ≈ 2.36 m/s²) and on across the floor. The ramp is a 2 m `large_cube` pitched by θ, sunk into the
 * floor so that the lower edge of its sloped top face lies on z = 0.
 */
export function buildRamp() {
  const { angle: t, rampHalf: h, blockHalf: b, upslope, clearance } = RAMP;
  const s = Math.sin(t);
  const c = Math.cos(t);
  // Ry(θ) maps local (x, 0, z) to (x c + z s, 0, −x s + z c).
  const normal = [s, 0, c]; // the ramp's top face normal: Ry(θ)·ẑ
  const down = [c, 0, -s]; // down-slope direction in that face: Ry(θ)·x̂ (the face descends to +x)
  // Lower edge of the top face (local (h, 0, h)) at z = 0: centre z = −(−h s + h c).
  const centre = [-1, 0, -(-h * s + h * c)];
  const faceCentre = centre.map((v, i) => v + h * normal[i]);
  const block = faceCentre.map((v, i) => v + (b + clearance) * normal[i] - upslope * down[i]);
  return [
    ground({ restitution: 0.1, friction: RAMP.friction }),
    {
      asset_name: RAMP.rampAsset,
      position: centre.map(r9),
      orientation: [r9(t), 0, 0],
      object_type: "environment",
      restitution: 0.1,
      friction: RAMP.friction,
    },
    body(RAMP.blockAsset, block, { orientation: [t, 0, 0], mass: 2, restitution: 0.1, friction: RAMP.friction }),
  ];
}

/**
 * @typedef {object} Preset
 * @property {string} id value of the preset `<option>`
 * @property {string} name shown in the dropdown
 * @property {string} description one line shown under the dropdown
 * @property {number} timestepMs one of the timestep options (10, 16, 33)
 * @property {number} durationS run length in seconds
 * @property {() => object[]} build the `configure` objects
 */

/** @type {readonly Preset[]} */
export const PRESETS = Object.freeze([
  { id: "cube-drop", name: "Cube drop", description: "A tilted 1 m cube (10 kg) dropped from 4 m onto the floor.", timestepMs: 16, durationS: 5, build: buildCubeDrop },
  {
    id: "bouncing-spheres",
    name: "Bouncing spheres",
    description: "Three spheres with restitution 0.2, 0.5 and 0.9 dropped side by side (floor e = 1).",
    timestepMs: 16,
    durationS: 8,
    build: buildBouncingSpheres,
  },
  { id: "tower", name: "Tower of 10 cubes", description: "Ten 1 m cubes stacked face to face on the floor.", timestepMs: 16, durationS: 10, build: () => buildTower(10) },
  {
    id: "pyramid",
    name: "Brick pyramid (210)",
    description: "A 2D pyramid of 0.5 m cubes, rows of 20 down to 1, 1 cm gaps, rows offset by half a cube.",
    timestepMs: 16,
    durationS: 15,
    build: () => buildPyramid(),
  },
  { id: "pile", name: "Pile of 200 cubes", description: "200 tumbling 0.5 m cubes, released in staggered 5 × 5 layers, falling into a heap.", timestepMs: 16, durationS: 15, build: () => buildPile() },
  {
    id: "ramp",
    name: "Block on a ramp",
    description: "A 0.5 m block resting near the top of a 30° ramp, μ = 0.3 (< tan 30°): it slides.",
    timestepMs: 10,
    durationS: 6,
    build: buildRamp,
  },
]);

/**
 * The preset with this id, or undefined.
 * @param {string} id
 * @returns {Preset | undefined}
 */
export function getPreset(id) {
  return PRESETS.find((p) => p.id === id);
}
