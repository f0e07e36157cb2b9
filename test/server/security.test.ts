// Security defaults (docs/live-protocol.md "Security defaults"): Origin check on upgrades (CSWSH),
// Host check on loopback binding (DNS rebinding), token for non-loopback binding, session limit.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, connect, request, tryUpgrade, waitForActiveSessions } from "./client";

let server: LiveServer; // loopback, defaults
let withOrigins: LiveServer; // loopback, allowedOrigins
let open: LiveServer; // 0.0.0.0 with a given token
let openGenerated: LiveServer; // 0.0.0.0 without a token

const TOKEN = "s3cret-Token_for-tests";

beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
  withOrigins = await startServer({ port: 0, log: () => {}, allowedOrigins: ["https://viewer.example", "http://localhost:5173"] });
  open = await startServer({ port: 0, host: "0.0.0.0", token: TOKEN, log: () => {} });
  openGenerated = await startServer({ port: 0, host: "0.0.0.0", log: () => {} });
});
afterAll(async () => {
  await Promise.all([server, withOrigins, open, openGenerated].map((s) => s?.close()));
});
afterEach(() => closeAllClients());

describe("Origin check on WebSocket upgrades", () => {
  it("a foreign Origin is rejected with 403", async () => {
    expect(await tryUpgrade(server, { origin: "http://evil.example" })).toBe(403);
    expect(await tryUpgrade(server, { origin: "null" })).toBe(403);
    expect(await tryUpgrade(server, { origin: "http://127.0.0.1.evil.example" })).toBe(403);
  });

  it("the server's own origin with another port or scheme is foreign", async () => {
    expect(await tryUpgrade(server, { origin: `http://127.0.0.1:${server.port === 1 ? 2 : 1}` })).toBe(403);
    expect(await tryUpgrade(server, { origin: `ftp://127.0.0.1:${server.port}` })).toBe(403);
  });

  it("the server's own origin is accepted", async () => {
    expect(await tryUpgrade(server, { origin: `http://127.0.0.1:${server.port}` })).toBe("open");
  });

  it("no Origin (a script) is accepted", async () => {
    expect(await tryUpgrade(server)).toBe("open");
  });

  it("an origin in allowedOrigins is accepted; others are still rejected", async () => {
    expect(await tryUpgrade(withOrigins, { origin: "https://viewer.example" })).toBe("open");
    expect(await tryUpgrade(withOrigins, { origin: "http://localhost:5173" })).toBe("open");
    expect(await tryUpgrade(withOrigins, { origin: "http://evil.example" })).toBe(403);
    expect(await tryUpgrade(withOrigins, { origin: "https://viewer.example.evil" })).toBe(403);
    // allowedOrigins on one server does not open another
    expect(await tryUpgrade(server, { origin: "https://viewer.example" })).toBe(403);
  });

  it("an accepted upgrade is a working session", async () => {
    const { metadata } = await configured(server, undefined, { origin: `http://127.0.0.1:${server.port}` });
    expect(metadata.type).toBe("metadata");
  });
});

describe("Host check on a loopback-bound server (DNS rebinding)", () => {
  it("Host: evil.example → 403 for HTTP, with a JSON detail", async () => {
    const r = await request(server, "/api/v1/health", { headers: { Host: "evil.example" } });
    expect(r.status).toBe(403);
    expect(r.json()).toHaveProperty("detail");
    for (const path of ["/live", "/api/v1/live/assets", "/static/does-not-matter.js"]) {
      expect((await request(server, path, { headers: { Host: `evil.example:${server.port}` } })).status, path).toBe(403);
    }
  });

  it("Host: evil.example → 403 for the WebSocket upgrade", async () => {
    expect(await tryUpgrade(server, { headers: { Host: "evil.example" } })).toBe(403);
    expect(await tryUpgrade(server, { headers: { Host: `evil.example:${server.port}` } })).toBe(403);
  });

  it("look-alike hosts are rejected", async () => {
    for (const host of ["localhost.evil.example", "127.0.0.1.nip.io", "evil.example#127.0.0.1", "0.0.0.0"]) {
      expect((await request(server, "/api/v1/health", { headers: { Host: host } })).status, host).toBe(403);
    }
  });

  it("localhost, 127.0.0.1 and [::1] are accepted", async () => {
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, "localhost", "LOCALHOST"]) {
      expect((await request(server, "/api/v1/health", { headers: { Host: host } })).status, host).toBe(200);
    }
    expect(await tryUpgrade(server, { headers: { Host: `localhost:${server.port}` } })).toBe("open");
  });
});

describe("token on a server bound to all interfaces", () => {
  it("no token → 401 for REST and the upgrade is rejected", async () => {
    const r = await request(open, "/api/v1/health");
    expect(r.status).toBe(401);
    expect(r.json()).toHaveProperty("detail");
    expect((await request(open, "/api/v1/live/assets")).status).toBe(401);
    expect((await request(open, "/live")).status).toBe(401);
    const up = await tryUpgrade(open);
    expect(up).toBe(401);
  });

  it("a wrong token → 401", async () => {
    expect((await request(open, "/api/v1/health?token=wrong")).status).toBe(401);
    expect((await request(open, `/api/v1/health?token=${TOKEN}x`)).status).toBe(401);
    expect((await request(open, "/api/v1/health", { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await request(open, "/api/v1/health", { headers: { Authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    expect(await tryUpgrade(open, { query: "?token=wrong" })).toBe(401);
    expect(await tryUpgrade(open, { headers: { Authorization: "Bearer wrong" } })).toBe(401);
  });

  it("?token= and Authorization: Bearer → OK (REST and upgrade)", async () => {
    const q = `?token=${encodeURIComponent(TOKEN)}`;
    expect((await request(open, `/api/v1/health${q}`)).status).toBe(200);
    expect((await request(open, `/api/v1/live/assets${q}`)).status).toBe(200);
    expect((await request(open, "/api/v1/health", { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(await tryUpgrade(open, { query: q })).toBe("open");
    expect(await tryUpgrade(open, { headers: { Authorization: `Bearer ${TOKEN}` } })).toBe("open");
    const { metadata } = await configured(open, undefined, { query: q });
    expect(metadata.bodies).toHaveLength(2);
  });

  it("/live?token= sets a cookie that authorises the page's own requests", async () => {
    const r = await request(open, `/live?token=${encodeURIComponent(TOKEN)}`);
    expect(r.status).toBe(200);
    const setCookie = r.headers["set-cookie"];
    expect(setCookie, "Set-Cookie on /live?token=").toBeDefined();
    const cookie = setCookie![0].split(";")[0];
    expect(cookie).not.toBe("");
    expect(setCookie![0]).toMatch(/HttpOnly/i);
    expect((await request(open, "/api/v1/health", { headers: { Cookie: cookie } })).status).toBe(200);
    expect(await tryUpgrade(open, { headers: { Cookie: cookie } })).toBe("open");
  });

  it("the given token is the server's token; none is generated on loopback", () => {
    expect(open.token).toBe(TOKEN);
    expect(server.token).toBeUndefined();
  });

  it("without a given token a non-empty one is generated, and enforced", async () => {
    expect(typeof openGenerated.token).toBe("string");
    expect(openGenerated.token!.length).toBeGreaterThanOrEqual(16);
    expect(openGenerated.token).not.toBe(TOKEN);
    expect((await request(openGenerated, "/api/v1/health")).status).toBe(401);
    expect((await request(openGenerated, `/api/v1/health?token=${encodeURIComponent(openGenerated.token!)}`)).status).toBe(200);
  });
});

describe("empty token", () => {
  it('token "" on a non-loopback server is refused or replaced, never accepted as the token', async () => {
    let s: LiveServer;
    try {
      s = await startServer({ port: 0, host: "0.0.0.0", token: "", log: () => {} });
    } catch (e) {
      expect(String(e)).toMatch(/token/i); // refusing is fine
      return;
    }
    try {
      expect(typeof s.token).toBe("string");
      expect(s.token!.length).toBeGreaterThan(0);
      expect((await request(s, "/api/v1/health?token=")).status).toBe(401);
      expect((await request(s, "/api/v1/health", { headers: { Authorization: "Bearer " } })).status).toBe(401);
      expect(await tryUpgrade(s, { query: "?token=" })).toBe(401);
    } finally {
      await s.close();
    }
  });
});

describe("session limit", () => {
  it("with maxSessions 2 a third concurrent session gets an error about sessions and close 1013", async () => {
    const limited = await startServer({ port: 0, log: () => {}, limits: { maxSessions: 2 } });
    try {
      const a = await configured(limited);
      const b = await configured(limited);
      a.client.send({ type: "start", timestep_ms: 16, duration_s: 10 });
      b.client.send({ type: "start", timestep_ms: 16, duration_s: 10 });
      await a.client.waitFor("frame");
      await b.client.waitFor("frame");

      const third = await connect(limited).catch((e) => e as Error);
      if (third instanceof Error) throw new Error(`third session: the upgrade itself failed (${third.message}); expected an error message and close 1013`);
      // It may be refused at once or on its first message; either way: one error, then 1013.
      if (third.isOpen) third.send({ type: "configure", objects: [{ asset_name: "cube", position: [0, 0, 1], object_type: "inertial" }] });
      const run = await third.collect(5000, true);
      expect(run.all.map((m) => m.type)).toEqual(["error"]);
      expect(run.error!.message).toMatch(/session/i);
      expect(run.close?.code).toBe(1013);

      // The two running sessions are unaffected.
      a.client.send({ type: "stop" });
      b.client.send({ type: "stop" });
      expect((await a.client.collect(5000, true)).complete).toBeDefined();
      expect((await b.client.collect(5000, true)).complete).toBeDefined();

      // Once they are gone there is room again.
      expect((await waitForActiveSessions(limited, 0, 2000)).active_sessions).toBe(0);
      const again = await configured(limited);
      expect(again.metadata.type).toBe("metadata");
    } finally {
      await limited.close();
    }
  });
});
