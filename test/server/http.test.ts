// REST, the live page, static files, path traversal, and `npm start` (docs/live-protocol.md "REST").

import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, request, type ServerLike } from "./client";

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN_JS = path.join(ROOT, "dist", "src", "server", "main.js");
const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

let server: LiveServer;
beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => closeAllClients());

describe("REST", () => {
  it("GET /api/v1/health → {status: 'ok', version, active_sessions, uptime_s}", async () => {
    const r = await request(server, "/api/v1/health");
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^application\/json/);
    const h = r.json() as Record<string, unknown>;
    expect(Object.keys(h).sort()).toEqual(["active_sessions", "status", "uptime_s", "version"]);
    expect(h.status).toBe("ok");
    expect(h.version).toBe(PACKAGE_VERSION);
    expect(h.active_sessions).toBe(0);
    expect(typeof h.uptime_s).toBe("number");
    expect(h.uptime_s as number).toBeGreaterThanOrEqual(0);
  });

  it("active_sessions counts open sessions", async () => {
    const { client } = await configured(server);
    const h = (await request(server, "/api/v1/health")).json() as { active_sessions: number };
    expect(h.active_sessions).toBe(1);
    client.close();
  });

  it("unknown routes → 404 JSON {detail}", async () => {
    for (const p of ["/nope", "/api/v1/nope", "/api/v1/live/assets/extra", "/static/nope.js", "/vendor/three/nope.js", "/api/v1/live"]) {
      const r = await request(server, p);
      expect(r.status, p).toBe(404);
      expect(String(r.headers["content-type"]), p).toMatch(/^application\/json/);
      expect(Object.keys(r.json() as object), p).toEqual(["detail"]);
    }
  });

  it("POST (and other methods) on /api/v1/health → 405 JSON {detail}", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await request(server, "/api/v1/health", { method, body: "{}", headers: { "Content-Type": "application/json" } });
      expect(r.status, method).toBe(405);
      expect(r.json(), method).toHaveProperty("detail");
    }
  });
});

describe("the live page and static files", () => {
  let html = "";
  beforeAll(async () => {
    const r = await request(server, "/live");
    html = r.body;
  });

  it("/live is text/html with a module script", async () => {
    const r = await request(server, "/live");
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^text\/html/);
    expect(html).toMatch(/<script[^>]*type=["']module["']/i);
  });

  /** Every local URL the page refers to: script src, link href, and import-map targets. */
  function referenced(): string[] {
    const urls = new Set<string>();
    for (const m of html.matchAll(/\b(?:src|href)=["']([^"']+)["']/gi)) urls.add(m[1]);
    const importMap = html.match(/<script[^>]*type=["']importmap["'][^>]*>([\s\S]*?)<\/script>/i);
    if (importMap) {
      const map = JSON.parse(importMap[1]) as { imports?: Record<string, string> };
      for (const target of Object.values(map.imports ?? {})) if (!target.endsWith("/")) urls.add(target);
    }
    return [...urls].filter((u) => u.startsWith("/"));
  }

  it("every file the page refers to is served with the right content type", async () => {
    const urls = referenced();
    const js = urls.filter((u) => /\.m?js(\?|$)/.test(u));
    const css = urls.filter((u) => /\.css(\?|$)/.test(u));
    expect(js.length, `module scripts referenced by /live: ${urls.join(", ")}`).toBeGreaterThanOrEqual(1);
    expect(css.length, `stylesheets referenced by /live: ${urls.join(", ")}`).toBeGreaterThanOrEqual(1);
    for (const u of js) {
      const r = await request(server, u);
      expect(r.status, u).toBe(200);
      expect(String(r.headers["content-type"]), u).toMatch(/^(text|application)\/javascript/);
      expect(r.body.length, u).toBeGreaterThan(0);
    }
    for (const u of css) {
      const r = await request(server, u);
      expect(r.status, u).toBe(200);
      expect(String(r.headers["content-type"]), u).toMatch(/^text\/css/);
    }
  });

  it("three.js is served from /vendor as JavaScript", async () => {
    const three = referenced().find((u) => u.startsWith("/vendor/") && u.endsWith(".js")) ?? "/vendor/three/build/three.module.js";
    const r = await request(server, three);
    expect(r.status, three).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^(text|application)\/javascript/);
    expect(r.body).toMatch(/export/);
  });

  it("relative module imports of the page's scripts resolve", async () => {
    // e.g. import … from "./scene.js" inside /static/live-app.js
    for (const u of referenced().filter((x) => x.startsWith("/static/") && x.endsWith(".js"))) {
      const body = (await request(server, u)).body;
      for (const m of body.matchAll(/\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = new URL(m[1], `http://x${u}`).pathname;
        const r = await request(server, target);
        expect(r.status, `${u} imports ${target}`).toBe(200);
        expect(String(r.headers["content-type"])).toMatch(/^(text|application)\/javascript/);
      }
    }
  });
});

describe("path traversal", () => {
  const attempts = [
    "/static/../../package.json",
    "/static/%2e%2e/%2e%2e/package.json",
    "/static/%2E%2E/%2E%2E/package.json",
    "/static/..%2f..%2fpackage.json",
    "/static/%2e%2e%2f%2e%2e%2fpackage.json",
    "/static/..%5c..%5cpackage.json",
    "/static/%252e%252e/%252e%252e/package.json",
    "/static/....//....//package.json",
    "/static/%00../../package.json",
    "/static/%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/%2e%2e/server/main.ts",
    "/vendor/../src/server/main.ts",
    "/vendor/%2e%2e/src/server/main.ts",
    "/vendor/three/../../../package.json",
    "/vendor/three/..%2f..%2f..%2fpackage.json",
    "/vendor/three/%2e%2e%2f%2e%2e%2f%2e%2e%2fsrc%2fserver%2fmain.ts",
    "/vendor/three/../../ws/package.json",
    "/vendor/three/..%2fws%2fpackage.json",
  ];
  for (const p of attempts) {
    it(`${p} → 403 or 404, never the file`, async () => {
      const r = await request(server, p);
      expect([403, 404], `${p} → ${r.status}`).toContain(r.status);
      expect(r.body).not.toContain('"name": "msd-lab"');
      expect(r.body).not.toContain('"scripts"');
      expect(r.body).not.toContain("optionsFromCommandLine");
      expect(r.body).not.toContain("root:");
      expect(r.body).not.toContain('"name": "ws"');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// `npm start` equivalent

const haveDist = fs.existsSync(MAIN_JS);
if (!haveDist) {
  console.warn(`\n*** SKIPPING the npm start tests: ${path.relative(ROOT, MAIN_JS)} does not exist (run \`npm run build:ts\`) ***\n`);
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startMain(args: string[], extraEnv: Record<string, string> = {}): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k === "PORT" || k === "HOST" || k.startsWith("MSD_LAB_")) delete env[k];
  const child = spawn(process.execPath, [MAIN_JS, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no URL line within 10 s; output:\n${out}`));
    }, 10000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/live/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}`, output: () => out, exit });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing its URL; output:\n${out}`));
    });
  });
}

async function stopsCleanly(s: Started, signal: NodeJS.Signals): Promise<void> {
  const t0 = performance.now();
  s.child.kill(signal);
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000));
  const result = await Promise.race([s.exit, timeout]);
  if (result === "timeout") {
    s.child.kill("SIGKILL");
    throw new Error(`did not exit within 5 s of ${signal}; output:\n${s.output()}`);
  }
  console.log(`npm start: exited ${JSON.stringify(result)} ${(performance.now() - t0).toFixed(0)} ms after ${signal}`);
  expect(result.code, s.output()).toBe(0);
}

describe.skipIf(!haveDist)("npm start (node dist/src/server/main.js)", () => {
  it("--port 0: prints its URL, serves health, exits 0 within 5 s of SIGTERM", async () => {
    const s = await startMain(["--port", "0"]);
    try {
      const target: ServerLike = { url: s.url };
      const r = await request(target, "/api/v1/health");
      expect(r.status).toBe(200);
      expect((r.json() as { status: string }).status).toBe("ok");
      await stopsCleanly(s, "SIGTERM");
    } finally {
      s.child.kill("SIGKILL");
    }
  }, 20000);

  it("exits 0 on SIGINT with a session streaming; the client sees the close", async () => {
    const s = await startMain(["--port", "0"]);
    try {
      const { client } = await configured({ url: s.url });
      client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
      await client.waitFor("frame", 5000);
      await stopsCleanly(s, "SIGINT");
      await client.waitClose(5000);
    } finally {
      s.child.kill("SIGKILL");
    }
  }, 20000);

  it("an empty MSD_LAB_TOKEN never means an empty token (refused, or a generated one)", async () => {
    let s: Started;
    try {
      s = await startMain(["--port", "0", "--host", "0.0.0.0"], { MSD_LAB_TOKEN: "" });
    } catch (e) {
      // Refusing to start is fine, if it says why.
      expect(String(e)).toMatch(/exited with [1-9]/);
      return;
    }
    try {
      const target: ServerLike = { url: s.url };
      expect((await request(target, "/api/v1/health?token=")).status).toBe(401);
      expect((await request(target, "/api/v1/health", { headers: { Authorization: "Bearer " } })).status).toBe(401);
      await stopsCleanly(s, "SIGTERM");
    } finally {
      s.child.kill("SIGKILL");
    }
  }, 20000);
});
