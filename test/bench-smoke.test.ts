import { afterAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_OPTIONS, formatTable, parseArgs, runBench } from "../bench/harness";
import type { BenchOptions, SceneResult } from "../bench/harness";
import { makeScene, pileScene, pyramidScene } from "../bench/scenes";

// Keeps the engine benchmark harness (bench/) from rotting: runs its functions in-process on a
// tiny scene and checks the shape of what it reports. Timings are never asserted.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-bench-smoke-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tinyOptions(overrides: Partial<BenchOptions>): BenchOptions {
  return {
    ...DEFAULT_OPTIONS,
    scenes: ["drop"],
    engines: ["msd-lab", "rapier"],
    runs: 1,
    warmupRuns: 0,
    steps: 30,
    binding: false,
    log: () => {},
    ...overrides,
  };
}

function expectSceneRow(row: SceneResult, engine: string): void {
  expect(row).toMatchObject({ scene: "drop", engine, bodies: 1, steps: 30 });
  expect(row.skipped).toBeUndefined();
  expect(Number.isFinite(row.msPerStep)).toBe(true);
  expect(row.msPerStep).toBeGreaterThan(0);
  expect(Number.isFinite(row.ratioToRapier)).toBe(true);
  expect(typeof row.settled).toBe("boolean");
  expect(Number.isFinite(row.maxSpeed)).toBe(true);
  expect(row.runsMsPerStep).toHaveLength(1);
  // 30 steps (0.5 s) of free fall from z = 5: the cube is in the air, falling, near 5 − g t²/2.
  expect(row.finalZ).toBeGreaterThan(3.5);
  expect(row.finalZ).toBeLessThan(4.5);
  expect(row.settled).toBe(false);
}

describe("engine benchmark harness", () => {
  it("runs drop on msd-lab and Rapier and writes the results where it is told", async () => {
    const out = path.join(tmp, "results", "latest.json");
    const report = await runBench(
      tinyOptions({ binding: true, bindingBodies: 20, bindingSteps: 30, bindingSamples: 3, out }),
    );
    expect(report.rows.map((r) => r.engine)).toEqual(["msd-lab", "rapier"]);
    report.rows.forEach((row, i) => expectSceneRow(row, ["msd-lab", "rapier"][i]));
    expect(report.rows[1].ratioToRapier).toBe(1);

    expect(report.bindings.length).toBeGreaterThanOrEqual(4);
    for (const b of report.bindings) {
      expect(b.scene).toBe("binding");
      expect(typeof b.name).toBe("string");
      expect(["µs", "ms"]).toContain(b.unit);
      expect(Number.isFinite(b.value)).toBe(true);
      expect(b.value).toBeGreaterThan(0);
    }

    expect(report.table).toContain("| drop | msd-lab | 1 |");
    expect(report.table).toContain("| drop | rapier | 1 |");
    expect(Number.isFinite(report.totalS)).toBe(true);

    const written = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>[];
    expect(written).toHaveLength(report.rows.length + report.bindings.length);
    for (const entry of written.slice(0, 2)) {
      for (const key of ["scene", "engine", "bodies", "msPerStep", "settled", "finalZ"]) expect(entry).toHaveProperty(key);
    }
    for (const entry of written.slice(2)) for (const key of ["scene", "name", "value", "unit"]) expect(entry).toHaveProperty(key);
  });

  it("drives cannon-es through the same interface (its first run in a time-limited worker)", async () => {
    const report = await runBench(tinyOptions({ engines: ["cannon"], out: undefined }));
    const [row] = report.rows;
    expect(row).toMatchObject({ scene: "drop", engine: "cannon", bodies: 1, ratioToRapier: null });
    expect(Number.isFinite(row.msPerStep)).toBe(true);
    expect(row.finalZ).toBeGreaterThan(3.5);
    expect(row.finalZ).toBeLessThan(4.5);
  });

  it("reports a run past its time limit as skipped", async () => {
    const report = await runBench(tinyOptions({ engines: ["msd-lab"], steps: 1_000_000, runLimitS: 1e-6, out: undefined }));
    const [row] = report.rows;
    expect(row.skipped).toBeDefined();
    expect(row.msPerStep).toBeNull();
    expect(row.stepsDone).toBeLessThan(1_000_000);
    expect(formatTable(report.rows)).toContain("skipped");
  });

  it("builds the scenes of DESIGN §9 and parses its options", () => {
    expect(pileScene(100).dynamic).toHaveLength(100);
    expect(pileScene(4000).dynamic.map((b) => b.position[2]).reduce((a, b) => Math.max(a, b))).toBeCloseTo(2 + 9 * 1.5);
    const pyramid = pyramidScene(20);
    expect(pyramid.dynamic).toHaveLength(210);
    expect(Math.min(...pyramid.dynamic.map((b) => b.position[2]))).toBe(0.5);
    expect(makeScene("drop").static[0]).toMatchObject({ halfExtents: [50, 50, 0.5], position: [0, 0, -0.5] });

    const options = parseArgs(["--scenes", "drop,pile-100", "--engines", "msd-lab,rapier", "--runs", "5", "--streaming"], "/x.json");
    expect(options).toMatchObject({ scenes: ["drop", "pile-100"], engines: ["msd-lab", "rapier"], runs: 5, streaming: true, out: "/x.json" });
    expect(() => parseArgs(["--engines", "bullet"])).toThrow(/unknown engine/);
    expect(() => parseArgs(["--scenes", "tower"])).toThrow(/unknown scene/);
  });
});
