// Runs the engine's C++ unit tests (native/test, built by `npm install` as msd_engine_tests):
// hull building with fuzzing, mass properties, narrowphase manifolds, the dynamic AABB tree.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const candidates = ["build/Release/msd_engine_tests", "build/msd_engine_tests"].map((p) => path.join(root, p));

describe("engine C++ unit tests", () => {
  it("all pass", () => {
    const binary = candidates.find((p) => fs.existsSync(p));
    expect(binary, `msd_engine_tests not built (looked at ${candidates.join(", ")}); run npm install`).toBeDefined();
    let output = "";
    try {
      output = execFileSync(binary!, { encoding: "utf8", timeout: 300_000 });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`engine unit tests failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
    const summary = /engine: (\d+) passed, (\d+) failed/.exec(output);
    expect(summary, output).not.toBeNull();
    expect(Number(summary![2])).toBe(0);
    expect(Number(summary![1])).toBeGreaterThan(10);
  }, 300_000);
});
