// The live viewer's frame buffer: interpolation between frames, holding at the ends, new-run
// resets, shortest-path slerp and arrival-interval estimation (src/viewer/frame-interpolator.js,
// a plain ES module with no three.js or DOM dependency).
import { beforeAll, describe, expect, it } from "vitest";

type Vec3 = [number, number, number];
type Quat = [number, number, number, number];
type Pose = { position: Vec3; orientation: Quat };
type State = { body_id: number; position: { x: number; y: number; z: number }; orientation: { w: number; x: number; y: number; z: number } };
type FrameData = { frame_id: number; simulation_time: number; states: State[] };
interface Interpolator {
  push(data: FrameData, arrivalMs: number): boolean;
  sample(nowMs: number): Map<number, Pose> | null;
  reset(): void;
  latest(): FrameData | null;
  displayed(): FrameData | null;
  medianIntervalMs(): number | null;
  delayMs(): number;
  readonly size: number;
}
interface InterpolatorModule {
  FrameInterpolator: new (options?: Record<string, number>) => Interpolator;
  lerp3(a: Vec3, b: Vec3, t: number): Vec3;
  slerp(a: Quat, b: Quat, t: number): Quat;
}

let mod: InterpolatorModule;
beforeAll(async () => {
  // @ts-ignore: a browser ES module without type declarations
  mod = (await import("../src/viewer/frame-interpolator.js")) as InterpolatorModule;
});

/** Quaternion [w, x, y, z] for a rotation of `deg` degrees about z. */
function aboutZ(deg: number): Quat {
  const half = (deg * Math.PI) / 360;
  return [Math.cos(half), 0, 0, Math.sin(half)];
}

function state(body_id: number, p: Vec3, q: Quat = [1, 0, 0, 0]): State {
  return { body_id, position: { x: p[0], y: p[1], z: p[2] }, orientation: { w: q[0], x: q[1], y: q[2], z: q[3] } };
}

function frame(frame_id: number, states: State[], dt = 0.1): FrameData {
  return { frame_id, simulation_time: frame_id * dt, states };
}

function expectClose(actual: number[], expected: number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

/** Same rotation: q and −q are equal rotations. */
function expectSameRotation(actual: Quat, expected: Quat): void {
  const dot = Math.abs(actual.reduce((s, v, i) => s + v * expected[i], 0));
  expect(dot).toBeCloseTo(1, 9);
}

describe("lerp3", () => {
  it("interpolates each component", () => {
    expectClose(mod.lerp3([0, 2, -4], [10, 4, 4], 0.25), [2.5, 2.5, -2]);
    expectClose(mod.lerp3([1, 1, 1], [3, 3, 3], 0), [1, 1, 1]);
    expectClose(mod.lerp3([1, 1, 1], [3, 3, 3], 1), [3, 3, 3]);
  });
});

describe("slerp", () => {
  it("halfway between 0° and 90° about z is 45° about z", () => {
    expectClose(mod.slerp(aboutZ(0), aboutZ(90), 0.5), aboutZ(45));
  });

  it("follows the rotation angle linearly, not the chord", () => {
    expectClose(mod.slerp(aboutZ(0), aboutZ(120), 0.25), aboutZ(30));
  });

  it("returns the ends at t = 0 and t = 1", () => {
    expectSameRotation(mod.slerp(aboutZ(10), aboutZ(70), 0), aboutZ(10));
    expectSameRotation(mod.slerp(aboutZ(10), aboutZ(70), 1), aboutZ(70));
  });

  it("takes the short way when given q and −q", () => {
    const q = aboutZ(90);
    const minusQ = q.map((v) => -v) as Quat;
    // q and −q are one rotation: every point in between is that rotation, not a 360° spin.
    for (const t of [0.25, 0.5, 0.75]) expectSameRotation(mod.slerp(q, minusQ, t), q);
    // 0° to −q(90°): the short way is +45° at the midpoint, not the long way round (−135°).
    expectSameRotation(mod.slerp(aboutZ(0), minusQ, 0.5), aboutZ(45));
  });

  it("returns a unit quaternion, also for nearly equal inputs", () => {
    for (const [a, b] of [[aboutZ(0), aboutZ(0.001)], [aboutZ(20), aboutZ(170)]] as [Quat, Quat][]) {
      const q = mod.slerp(a, b, 0.3);
      expect(Math.hypot(...q)).toBeCloseTo(1, 12);
    }
  });
});

describe("FrameInterpolator", () => {
  /** Two frames 100 ms apart: body 1 moves 0 → 2 along x and turns 0° → 90° about z. */
  function twoFrames(): Interpolator {
    const interp = new mod.FrameInterpolator();
    interp.push(frame(0, [state(1, [0, 0, 1], aboutZ(0))]), 1000);
    interp.push(frame(1, [state(1, [2, 0, 3], aboutZ(90))]), 1100);
    return interp;
  }

  it("returns null before any frame", () => {
    expect(new mod.FrameInterpolator().sample(0)).toBeNull();
  });

  it("draws the midpoint and the slerp midpoint halfway between two frames", () => {
    const interp = twoFrames();
    expect(interp.delayMs()).toBeCloseTo(150, 9);
    const pose = interp.sample(1050 + interp.delayMs())!.get(1)!;
    expectClose(pose.position, [1, 0, 2]);
    expectClose(pose.orientation, aboutZ(45));
  });

  it("draws each frame exactly at its arrival time plus the delay (regular arrivals)", () => {
    const interp = twoFrames();
    expectClose(interp.sample(1000 + 150)!.get(1)!.position, [0, 0, 1]);
    expectClose(interp.sample(1100 + 150)!.get(1)!.position, [2, 0, 3]);
  });

  it("holds the first frame before it is due and the last frame after the frames stop", () => {
    const interp = twoFrames();
    expectClose(interp.sample(900)!.get(1)!.position, [0, 0, 1]);
    expectClose(interp.sample(1100)!.get(1)!.position, [0, 0, 1]);
    expect(interp.displayed()!.frame_id).toBe(0);
    for (const now of [1300, 5000, 60_000]) {
      const pose = interp.sample(now)!.get(1)!;
      expectClose(pose.position, [2, 0, 3]);
      expectClose(pose.orientation, aboutZ(90));
    }
    expect(interp.displayed()!.frame_id).toBe(1);
  });

  it("draws a single frame as soon as it arrives", () => {
    const interp = new mod.FrameInterpolator();
    interp.push(frame(0, [state(7, [1, 2, 3])]), 500);
    expect(interp.medianIntervalMs()).toBeNull();
    expectClose(interp.sample(500)!.get(7)!.position, [1, 2, 3]);
  });

  it("keeps a body that is missing from one of the two frames at the pose it has", () => {
    const interp = new mod.FrameInterpolator();
    interp.push(frame(0, [state(1, [0, 0, 0]), state(2, [5, 5, 5])]), 0);
    interp.push(frame(1, [state(1, [1, 0, 0])]), 100);
    const poses = interp.sample(50 + interp.delayMs())!;
    expectClose(poses.get(1)!.position, [0.5, 0, 0]);
    expectClose(poses.get(2)!.position, [5, 5, 5]);
  });

  it("resets on a new run: frame_id going back", () => {
    const interp = new mod.FrameInterpolator();
    for (let k = 0; k < 5; k++) expect(interp.push(frame(k, [state(1, [k, 0, 0])]), k * 100)).toBe(false);
    expect(interp.size).toBe(5);
    expect(interp.push(frame(0, [state(1, [-9, 0, 0])]), 520)).toBe(true);
    expect(interp.size).toBe(1);
    expect(interp.latest()!.frame_id).toBe(0);
    expect(interp.medianIntervalMs()).toBeNull();
    // The old run is gone: even a time inside it draws the new run's first frame.
    expectClose(interp.sample(250)!.get(1)!.position, [-9, 0, 0]);
    expectClose(interp.sample(10_000)!.get(1)!.position, [-9, 0, 0]);
  });

  it("resets on a new run: simulation_time going back with a larger frame_id", () => {
    const interp = new mod.FrameInterpolator();
    interp.push({ frame_id: 3, simulation_time: 0.3, states: [state(1, [3, 0, 0])] }, 0);
    interp.push({ frame_id: 4, simulation_time: 0.4, states: [state(1, [4, 0, 0])] }, 100);
    expect(interp.push({ frame_id: 5, simulation_time: 0, states: [state(1, [0, 0, 0])] }, 200)).toBe(true);
    expect(interp.size).toBe(1);
  });

  it("forgets everything on reset()", () => {
    const interp = twoFrames();
    interp.reset();
    expect(interp.sample(2000)).toBeNull();
    expect(interp.latest()).toBeNull();
    expect(interp.displayed()).toBeNull();
    expect(interp.medianIntervalMs()).toBeNull();
  });

  it("estimates the frame interval from jittered arrivals", () => {
    const interp = new mod.FrameInterpolator();
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const period = 1000 / 60;
    for (let k = 0; k < 200; k++) interp.push(frame(k, [state(1, [k, 0, 0])], 1 / 60), k * period + (random() - 0.5) * 8);
    expect(interp.medianIntervalMs()!).toBeGreaterThan(period - 1.5);
    expect(interp.medianIntervalMs()!).toBeLessThan(period + 1.5);
    expect(interp.delayMs()).toBeCloseTo(1.5 * interp.medianIntervalMs()!, 9);
  });

  it("ignores a stall followed by a burst when estimating the interval", () => {
    const interp = new mod.FrameInterpolator();
    let k = 0;
    for (; k < 20; k++) interp.push(frame(k, []), k * 20);
    for (let j = 0; j < 5; j++, k++) interp.push(frame(k, []), 1000 + j * 0.5); // 600 ms stall, then a burst
    expect(interp.medianIntervalMs()).toBeCloseTo(20, 9);
  });

  it("moves smoothly and never backwards when arrivals jitter", () => {
    const interp = new mod.FrameInterpolator();
    const period = 1000 / 60;
    const jitter = [0, 6, -3, 7, -6, 2, 5, -7, 0, 4, -2, 6, -5, 3, 1, -4];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let next = 0;
    let lastX = -Infinity;
    const speeds: number[] = [];
    // Body 1 moves 1 m per frame; render at 144 Hz while frames arrive at 60 Hz ± 7 ms.
    for (let now = 0; now < 3000; now += 1000 / 144) {
      while (next * period + jitter[next % jitter.length] * (0.5 + random()) <= now) {
        interp.push(frame(next, [state(1, [next, 0, 0])], 1 / 60), now);
        next++;
      }
      const x = interp.sample(now)!.get(1)!.position[0];
      expect(x).toBeGreaterThanOrEqual(lastX - 1e-9);
      if (now > 500) speeds.push((x - lastX) * 144);
      lastX = x;
    }
    // 60 frames per second → 60 m/s. Drawing frames at their raw arrival times (tracking 1) swings
    // the speed between about 30 and 130 m/s here; the smoothed timeline stays within ±15 %.
    const mean = speeds.reduce((s, v) => s + v, 0) / speeds.length;
    expect(mean).toBeGreaterThan(57);
    expect(mean).toBeLessThan(63);
    for (const v of speeds) expect(Math.abs(v - 60)).toBeLessThan(9);
  });

  it("catches up after a late frame instead of drifting further behind", () => {
    const interp = new mod.FrameInterpolator();
    for (let k = 0; k < 30; k++) interp.push(frame(k, [state(1, [k, 0, 0])]), k * 10);
    interp.push(frame(30, [state(1, [30, 0, 0])]), 500); // 200 ms late
    for (let k = 31; k < 80; k++) interp.push(frame(k, [state(1, [k, 0, 0])]), 500 + (k - 30) * 10);
    // After the stall the timeline locks back onto arrivals: the newest frame is drawn ~delay after it arrives.
    const lastArrival = 500 + 49 * 10;
    const x = interp.sample(lastArrival + interp.delayMs())!.get(1)!.position[0];
    expect(x).toBeGreaterThan(78);
  });
});
