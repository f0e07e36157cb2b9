// The live page's connection module (src/viewer/connection.js, a browser ES module): the page URL's
// parameters (?token=, ?watch=), the WebSocket URL, the watch message, and the message flow of a
// LiveSession / WatchSession against a scripted stand-in for the browser's WebSocket.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

type Handlers = {
  onOpen?: () => void;
  onMetadata?: (metadata: any) => void;
  onFrame?: (data: any) => void;
  onComplete?: (result: { total_frames: number; elapsed_s: number; stopped: boolean }) => void;
  onError?: (message: string, info: { fromServer: boolean; neverOpened: boolean }) => void;
};
interface Session {
  open(): void;
  stop(): void;
  dispose(): void;
}
interface ConnectionModule {
  pageToken(loc: URL): string | null;
  pageWatchId(loc: URL): string | null;
  watchMessage(id: string): { type: "watch"; simulation_id: string };
  watchLabels(id: string, name?: unknown): { text: string; title: string; tooltip: string };
  liveSocketUrl(loc: URL): string;
  backoffDelay(failures: number): number;
  LiveSession: new (config: { url: string; objects: object[]; timestepMs: number; durationS: number }, handlers: Handlers) => Session;
  WatchSession: new (config: { url: string; simulationId: string }, handlers: Handlers) => Session;
}

let mod: ConnectionModule;
beforeAll(async () => {
  // @ts-ignore: a browser ES module without type declarations
  mod = (await import("../src/viewer/connection.js")) as ConnectionModule;
});

/** A WebSocket stand-in: records what is sent; the test plays the server. */
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static last: FakeSocket | null = null;
  readyState = FakeSocket.CONNECTING;
  sent: any[] = [];
  closed = false;
  listeners = new Map<string, ((event: any) => void)[]>();
  constructor(public url: string) {
    FakeSocket.last = this;
  }
  addEventListener(type: string, listener: (event: any) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: any = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.readyState = FakeSocket.CLOSED;
  }
  // the server's side
  serverOpen() {
    this.readyState = FakeSocket.OPEN;
    this.emit("open");
  }
  serverSend(message: object) {
    this.emit("message", { data: JSON.stringify(message) });
  }
  serverClose(code: number) {
    this.readyState = FakeSocket.CLOSED;
    this.emit("close", { code, reason: "" });
  }
}

function recorder() {
  const events: [string, ...unknown[]][] = [];
  const handlers: Handlers = {
    onOpen: () => events.push(["open"]),
    onMetadata: (m) => events.push(["metadata", m]),
    onFrame: (d) => events.push(["frame", d.frame_id]),
    onComplete: (r) => events.push(["complete", r]),
    onError: (message, info) => events.push(["error", message, info]),
  };
  return { events, handlers };
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.last = null;
});

describe("page URL parameters", () => {
  it("pageWatchId: the ?watch= value, trimmed; absent or empty → null", () => {
    expect(mod.pageWatchId(new URL("http://127.0.0.1:8000/live?watch=sim-42"))).toBe("sim-42");
    expect(mod.pageWatchId(new URL("http://127.0.0.1:8000/live?token=abc&watch=%20a%2Fb%20"))).toBe("a/b");
    expect(mod.pageWatchId(new URL("http://127.0.0.1:8000/live"))).toBeNull();
    expect(mod.pageWatchId(new URL("http://127.0.0.1:8000/live?watch="))).toBeNull();
    expect(mod.pageWatchId(new URL("http://127.0.0.1:8000/live?watch=%20%20"))).toBeNull();
  });

  it("pageToken and liveSocketUrl keep working next to ?watch=", () => {
    const loc = new URL("http://10.0.0.5:8000/live?watch=s1&token=t%2B1");
    expect(mod.pageToken(loc)).toBe("t+1");
    expect(mod.liveSocketUrl(loc)).toBe("ws://10.0.0.5:8000/api/v1/live?token=t%2B1");
    expect(mod.liveSocketUrl(new URL("https://example.test/live?watch=s1"))).toBe("wss://example.test/api/v1/live");
  });

  it("watchLabels: the publication's name from the watch metadata names the page; without one, the id", () => {
    expect(mod.watchLabels("a1b2", "notebook")).toEqual({
      text: "Watching notebook (simulation a1b2, read-only)",
      title: "msd-lab · watching notebook",
      tooltip: "notebook: simulation a1b2, run elsewhere (e.g. a notebook): this page only shows it",
    });
    expect(mod.watchLabels("s-9", "  pendulum sweep ").text, "trimmed").toBe("Watching pendulum sweep (simulation s-9, read-only)");
    for (const name of [undefined, "", "   ", 42, null]) {
      expect(mod.watchLabels("s-9", name), `name ${JSON.stringify(name)}`).toEqual({
        text: "Watching simulation s-9 (read-only)",
        title: "msd-lab · watching s-9",
        tooltip: "Simulation s-9, run elsewhere (e.g. a notebook): this page only shows it",
      });
    }
  });

  it("watchMessage is the protocol's first watch message", () => {
    expect(mod.watchMessage("abc")).toEqual({ type: "watch", simulation_id: "abc" });
  });

  it("backoffDelay: 1, 2, 4, 8, 10, 10 s", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => mod.backoffDelay(n))).toEqual([1, 2, 4, 8, 10, 10]);
  });
});

describe("WatchSession", () => {
  it("sends only the watch message; takes metadata (again when the scene changes), frames, then complete", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const { events, handlers } = recorder();
    const session = new mod.WatchSession({ url: "ws://h/api/v1/live", simulationId: "nb-7" }, handlers);
    session.open();
    const socket = FakeSocket.last!;
    expect(socket.url).toBe("ws://h/api/v1/live");
    socket.serverOpen();
    expect(socket.sent).toEqual([{ type: "watch", simulation_id: "nb-7" }]);
    socket.serverSend({ type: "metadata", simulation_id: "nb-7", bodies: [], assets: [] });
    socket.serverSend({ type: "frame", data: { frame_id: 0, simulation_time: 0, states: [] } });
    socket.serverSend({ type: "frame", data: { frame_id: 1, simulation_time: 0.5, states: [] } });
    socket.serverSend({ type: "metadata", simulation_id: "nb-7", bodies: [{ body_id: 1 }], assets: [] });
    socket.serverSend({ type: "frame", data: { frame_id: 2, simulation_time: 0.1, states: [] } });
    socket.serverSend({ type: "complete", total_frames: 3, elapsed_s: 1 });
    expect(socket.sent, "read-only: nothing but the watch message").toHaveLength(1);
    expect(events.map((e) => e[0])).toEqual(["open", "metadata", "frame", "frame", "metadata", "frame", "complete"]);
    expect((events[4][1] as { bodies: unknown[] }).bodies).toHaveLength(1);
    expect(events[6][1]).toMatchObject({ total_frames: 3, stopped: false });
    expect(socket.closed).toBe(true);
    socket.serverClose(1000);
    expect(events).toHaveLength(7); // the close after complete reports nothing
  });

  it("an unknown id: the server's error, once", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const { events, handlers } = recorder();
    new mod.WatchSession({ url: "ws://h/api/v1/live", simulationId: "nope" }, handlers).open();
    const socket = FakeSocket.last!;
    socket.serverOpen();
    socket.serverSend({ type: "error", message: "unknown simulation 'nope'" });
    socket.serverClose(1000);
    expect(events.slice(1)).toEqual([["error", "unknown simulation 'nope'", { fromServer: true, neverOpened: false }]]);
  });

  it("a dropped connection before complete is an error that is not the server's", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const { events, handlers } = recorder();
    new mod.WatchSession({ url: "ws://h/api/v1/live", simulationId: "s" }, handlers).open();
    const socket = FakeSocket.last!;
    socket.serverOpen();
    socket.serverSend({ type: "metadata", bodies: [], assets: [] });
    socket.serverClose(1006);
    const last = events[events.length - 1];
    expect(last[0]).toBe("error");
    expect(last[1]).toMatch(/closed unexpectedly.*1006/);
    expect(last[2]).toEqual({ fromServer: false, neverOpened: false });
  });

  it("stop() closes quietly", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const { events, handlers } = recorder();
    const session = new mod.WatchSession({ url: "ws://h/api/v1/live", simulationId: "s" }, handlers);
    session.open();
    const socket = FakeSocket.last!;
    socket.serverOpen();
    session.stop();
    socket.serverClose(1000);
    expect(socket.closed).toBe(true);
    expect(events.map((e) => e[0])).toEqual(["open"]);
  });
});

describe("LiveSession (unchanged flow)", () => {
  it("configure first, start after metadata", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const { events, handlers } = recorder();
    const objects = [{ asset_name: "cube", position: [0, 0, 1], object_type: "inertial" }];
    new mod.LiveSession({ url: "ws://h/api/v1/live", objects, timestepMs: 16, durationS: 2 }, handlers).open();
    const socket = FakeSocket.last!;
    socket.serverOpen();
    socket.serverSend({ type: "metadata", bodies: [], assets: [] });
    expect(socket.sent).toEqual([
      { type: "configure", objects },
      { type: "start", timestep_ms: 16, duration_s: 2 },
    ]);
    socket.serverSend({ type: "complete", total_frames: 0, elapsed_s: 0 });
    expect(events.map((e) => e[0])).toEqual(["open", "metadata", "complete"]);
  });
});
