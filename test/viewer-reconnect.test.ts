// The live page's reconnect policy (src/viewer/reconnecting-watch.js, a browser ES module): the
// backoff delays with their jitter, and which failures are retried. The reconnect itself, against a
// real server that restarts, is in test/browser/watch-reconnect.test.ts.
import { beforeAll, describe, expect, it } from "vitest";

interface ReconnectModule {
  RECONNECT: { firstDelayS: number; maxDelayS: number; jitter: number; unknownIdGraceS: number };
  reconnectDelay(attempt: number, random?: () => number): number;
  ReconnectingWatch: new (
    config: { url: string; simulationId: string; now?: () => number },
    handlers: object,
  ) => { droppedAt: number | null; shouldRetry(message: string, fromServer: boolean): boolean };
}

let mod: ReconnectModule;
beforeAll(async () => {
  // @ts-ignore: a browser ES module without type declarations
  mod = (await import("../src/viewer/reconnecting-watch.js")) as ReconnectModule;
});

describe("reconnectDelay", () => {
  it("0.5 s doubling to 5 s", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => mod.reconnectDelay(n, () => 0))).toEqual([0.5, 1, 2, 4, 5, 5, 5]);
  });

  it("shortened by up to 20 % at random, never longer", () => {
    expect(mod.reconnectDelay(1, () => 0.5)).toBeCloseTo(0.45, 12);
    expect(mod.reconnectDelay(6, () => 0.999999)).toBeCloseTo(4, 5);
    for (let i = 0; i < 200; i++) {
      const d = mod.reconnectDelay(3);
      expect(d).toBeGreaterThan(2 * 0.8 - 1e-12);
      expect(d).toBeLessThanOrEqual(2);
    }
  });
});

describe("what is retried", () => {
  it("a dropped or refused connection always; an unknown id only within 30 s of a drop; other server errors never", () => {
    let now = 0;
    const watch = new mod.ReconnectingWatch({ url: "ws://h/api/v1/live", simulationId: "s", now: () => now }, {});
    expect(watch.shouldRetry("Could not connect to the live server", false)).toBe(true);
    expect(watch.shouldRetry("unknown simulation_id 's'", true), "on a first connection: final").toBe(false);
    watch.droppedAt = 1000;
    now = 1000 + 29_000;
    expect(watch.shouldRetry("unknown simulation_id 's'", true), "not back yet").toBe(true);
    expect(watch.shouldRetry("watchers are read-only: only 'stop' may be sent while watching (got 'x')", true)).toBe(false);
    now = 1000 + 31_000;
    expect(watch.shouldRetry("unknown simulation_id 's'", true), "gone for good").toBe(false);
    expect(mod.RECONNECT.unknownIdGraceS).toBe(30);
  });
});
