// Keeps the recording benchmark (bench/recording.ts, `npm run bench:recording`) from rotting: runs
// it in-process on a tiny scene, both writer modes, and checks what it reports. Timings are never
// asserted.
import { describe, expect, it } from "vitest";
import { DEFAULT_RECORDING_BENCH, formatRecordingResult, parseRecordingArgs, runRecordingBench } from "../../bench/recording";

describe("recording benchmark", () => {
  for (const inline of [false, true]) {
    it(`runs a tiny pile with and without recording (writer ${inline ? "inline" : "thread"})`, async () => {
      const lines: string[] = [];
      const r = await runRecordingBench({ scene: "pile-20", frames: 30, runs: 2, inline, log: (line) => lines.push(line) });
      expect(r).toMatchObject({ scene: "pile-20", bodies: 20, frames: 30, runs: 2, writer: inline ? "inline" : "thread" });
      for (const key of ["msPerFrameWithout", "msPerFrameWith", "medianRunMsWithout", "medianRunMsWith", "cpuMsPerFrameWithout", "cpuMsPerFrameWith", "finishMs", "bytesPerFrame"] as const) {
        expect(Number.isFinite(r[key]), key).toBe(true);
        expect(r[key], key).toBeGreaterThan(0);
      }
      expect(Number.isFinite(r.overheadPercent)).toBe(true);
      // 31 frames of 20 falling cubes: at least their states, 14 doubles each.
      expect(r.fileBytes).toBeGreaterThan(31 * 20 * 14 * 8);
      expect(lines).toHaveLength(2);
      const text = formatRecordingResult(r);
      expect(text).toContain("scene pile-20: 20 bodies, 30 frames");
      expect(text).toMatch(/overhead -?\d+\.\d %/);
      expect(text).toMatch(/KiB per frame/);
    });
  }

  it("parses its options", () => {
    expect(parseRecordingArgs([])).toEqual(DEFAULT_RECORDING_BENCH);
    expect(parseRecordingArgs(["--scene", "pile-100", "--frames", "50", "--runs", "2", "--inline"])).toMatchObject({ scene: "pile-100", frames: 50, runs: 2, inline: true });
    expect(() => parseRecordingArgs(["--frames", "0"])).toThrow(/--frames must be a positive integer/);
    expect(() => parseRecordingArgs(["--scene", "tower"])).toThrow(/unknown scene/);
    expect(() => parseRecordingArgs(["--fast"])).toThrow(/unknown flag --fast/);
  });
});
