// The live server's FrameEncoder writes frame JSON bytes directly; it must say exactly what the
// object-building reference (frames.ts frameData + JSON.stringify) says, up to its documented
// rounding to 9 decimals, including for cached (unchanged) bodies and contacts.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine";
import { FrameEncoder } from "../src/server/frame-encoder";
import { frameData } from "../src/server/frames";
import { JsonWriter } from "../src/server/json-writer";

function roundTo9(value: unknown): unknown {
  if (typeof value === "number") return Math.round(value * 1e9) / 1e9;
  if (Array.isArray(value)) return value.map(roundTo9);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundTo9(v)]));
  return value;
}

function expectSameNumbers(actual: unknown, expected: unknown, path = "frame"): void {
  if (typeof expected === "number") {
    expect(typeof actual, path).toBe("number");
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length === expected.length, path).toBe(true);
    expected.forEach((e, i) => expectSameNumbers((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (expected && typeof expected === "object") {
    expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
    for (const [k, v] of Object.entries(expected)) expectSameNumbers((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  expect(actual, path).toBe(expected);
}

describe("FrameEncoder", () => {
  it("matches the reference frame (keys, order, values to 9 decimals) while bodies move, collide and sleep", () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    for (let i = 0; i < 12; i++) {
      engine.spawnInertialObject(i % 3 === 0 ? "small_sphere" : "unit_cube", [(i % 4) * 1.2, Math.floor(i / 4) * 1.2, 1 + i * 0.3], [0.2 * i, 0.1, 0], { mass: 1 });
    }
    const encoder = new FrameEncoder(engine);
    for (let k = 0; k < 200; k++) {
      engine.update(k * 16);
      if (k % 7 !== 0 && k < 190) continue;
      const text = encoder.encode(k).toString("utf8");
      const parsed = JSON.parse(text) as { type: string; data: unknown };
      expect(parsed.type).toBe("frame");
      expectSameNumbers(parsed.data, roundTo9(frameData(engine, k)));
    }
    engine.dispose();
  });

  it("writes numbers as JSON with at most 9 decimals", () => {
    const cases: [number, string][] = [
      [0, "0"], [-0, "0"], [1e-12, "0"], [0.5, "0.5"], [-0.25, "-0.25"], [3, "3"], [-3.999999999999, "-4"],
      [0.0000000012, "0.000000001"], [123.456, "123.456"], [9.99999999995, "10"], [1e6, "1000000"], [-2.5e7, "-25000000"], [1234567.25, "1234567.25"],
    ];
    for (const [x, text] of cases) {
      const w = new JsonWriter();
      w.number(x);
      expect(w.toBuffer().toString(), String(x)).toBe(text);
      expect(Math.abs(JSON.parse(text) - x)).toBeLessThanOrEqual(5e-10 * Math.max(1, Math.abs(x)));
    }
  });
});
