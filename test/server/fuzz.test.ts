// Fuzzing the live protocol: well over 1000 random and malformed messages (seeded PRNG, so a
// failure reproduces) across many sessions. Valid messages are built, then mutated: fields
// dropped or duplicated, wrong types, raw number tokens (-0, 1e308, 1e-320, 1e400, NaN), unicode,
// deep nesting, huge arrays, random bytes, truncation.
//
// An oracle written from docs/live-protocol.md classifies each message as
//   invalid → the server must answer `error` (then close 1000; 1009 allowed when oversized,
//             1007 allowed for a text frame that is not UTF-8),
//   valid   → metadata (configure) / frames or complete (start, stop),
//   either  → the spec leaves it open (e.g. null for an optional field, extreme but finite numbers
//             the engine may refuse, unknown top-level keys): any orderly answer.
// Most messages go to the configure and start phases; while a run is in progress, JSON objects
// other than `stop` must be ignored (the run goes on and completes on `stop`), invalid JSON and
// binary messages are errors.
// Afterwards the server is alive: /api/v1/health says ok and active_sessions returns to 0.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rng as seededRng } from "../helpers/scenes";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, connect, health, seedConfigure, waitForActiveSessions, type Collected, type LiveClient, type Msg } from "./client";

const SEED = 0x5eed0072;
const MAX_PAYLOAD = 1024 * 1024; // default limit
const MAX_OBJECTS = 1000;
const MAX_DURATION = 600;
const CATALOGUE = ["unit_cube", "large_cube", "tiny_cube", "floor_slab", "unit_sphere", "small_sphere", "large_sphere", "cube", "pyramid", "plane"];

let server: LiveServer;
beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  closeAllClients();
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// PRNG

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];
const chance = (rng: Rng, p: number) => rng() < p;

// ---------------------------------------------------------------------------------------------
// Building messages. Values are plain JS; raw tokens (things JSON.stringify cannot write: -0,
// NaN, 1e400, leading zeros, deep nesting) are inserted as placeholders and substituted after
// stringifying.

/* eslint-disable @typescript-eslint/no-explicit-any */
class Builder {
  private raws: string[] = [];
  raw(token: string): string {
    this.raws.push(token);
    return `@@RAW${this.raws.length - 1}@@`;
  }
  stringify(v: unknown): string {
    let s = JSON.stringify(v);
    // Substitute from the end so indices never collide (RAW1 vs RAW10).
    for (let i = this.raws.length - 1; i >= 0; i--) s = s.split(`"@@RAW${i}@@"`).join(this.raws[i]);
    return s;
  }
}

const RAW_NUMBERS = ["-0", "0", "-0.0", "1e308", "-1e308", "1e-320", "5e-324", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1.5", "-1", "0.5", "1", "1000", "1001", "16", "600", "601", "1e-7", "123456789012345678901234567890", "0.1e1", "1E2", "00", "01", "+1", ".5", "1.", "0x10", "1e", "--1"];
const UNICODE = ["cube\u0000", "cübe", "立方体", "🧊", "\ud800", "\udfff", "cube\u200b", "ｃｕｂｅ", "CUBE", " cube", "cube ", "\u202ecube", "a".repeat(10000), "", "inertial\u0000", "énvironment", "configure\ufeff", "\u{1F600}".repeat(100)];
const KEYS = ["type", "objects", "asset_name", "position", "orientation", "object_type", "mass", "restitution", "friction", "timestep_ms", "duration_s", "__proto__", "constructor", "prototype", "toString", "ключ", "🔑", "", "velocity", "x"];

function randomScalar(rng: Rng, b: Builder): unknown {
  switch (int(rng, 7)) {
    case 0:
      return b.raw(pick(rng, RAW_NUMBERS));
    case 1:
      return (rng() - 0.5) * 10 ** int(rng, 12);
    case 2:
      return pick(rng, UNICODE);
    case 3:
      return chance(rng, 0.5);
    case 4:
      return null;
    case 5:
      return pick(rng, CATALOGUE);
    default:
      return pick(rng, ["inertial", "environment", "configure", "start", "stop", "16", "1", "[0,0,0]"]);
  }
}

function randomValue(rng: Rng, b: Builder, depth = 0): unknown {
  const r = int(rng, 10);
  if (depth > 3 || r < 6) return randomScalar(rng, b);
  if (r < 8) return Array.from({ length: int(rng, 5) }, () => randomValue(rng, b, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(rng, 4); i > 0; i--) o[pick(rng, KEYS)] = randomValue(rng, b, depth + 1);
  return o;
}

function deepNest(rng: Rng, b: Builder): unknown {
  const depth = pick(rng, [50, 1000, 5000, 20000, 100000]);
  if (chance(rng, 0.5)) return b.raw("[".repeat(depth) + "0" + "]".repeat(depth));
  return b.raw('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
}

function hugeArray(rng: Rng, b: Builder): unknown {
  const n = pick(rng, [4, 100, 10000, 100000, 250000]);
  return b.raw("[" + Array.from({ length: n }, () => String(int(rng, 10))).join(",") + "]");
}

function validObject(rng: Rng): Record<string, unknown> {
  const inertial = chance(rng, 0.7);
  const o: Record<string, unknown> = {
    asset_name: pick(rng, inertial ? CATALOGUE.filter((n) => n !== "plane" && n !== "floor_slab") : CATALOGUE),
    position: [int(rng, 20) - 10, int(rng, 20) - 10, int(rng, 20)],
    object_type: inertial ? "inertial" : "environment",
  };
  if (chance(rng, 0.7)) o.orientation = [rng(), rng(), rng()];
  if (chance(rng, 0.5)) o.mass = 0.1 + rng() * 100;
  if (chance(rng, 0.5)) o.restitution = rng();
  if (chance(rng, 0.5)) o.friction = rng() * 2;
  return o;
}

const FIELDS = ["asset_name", "position", "orientation", "object_type", "mass", "restitution", "friction"];

/** A configure message, mutated 0–3 times. */
function fuzzConfigure(rng: Rng): string {
  const b = new Builder();
  const msg: any = { type: "configure", objects: Array.from({ length: 1 + int(rng, 3) }, () => validObject(rng)) };
  const nMut = chance(rng, 0.15) ? 0 : 1 + int(rng, 3);
  for (let i = 0; i < nMut; i++) {
    const objs: any[] = Array.isArray(msg.objects) ? msg.objects : [];
    const plain = objs.filter((o) => typeof o === "object" && o !== null && !Array.isArray(o));
    const obj: any = plain.length > 0 ? pick(rng, plain) : undefined;
    switch (int(rng, 16)) {
      case 0: // drop a top-level field
        delete msg[pick(rng, ["type", "objects"])];
        break;
      case 1: // drop an object field
        if (obj) delete obj[pick(rng, FIELDS)];
        break;
      case 2: // duplicate an object (valid)
        if (objs.length > 0) objs.push(structuredClone(pick(rng, objs)));
        break;
      case 3: // wrong type for a top-level field
        msg[pick(rng, ["type", "objects"])] = randomValue(rng, b);
        break;
      case 4: // wrong type for an object field
      case 5:
        if (obj) obj[pick(rng, FIELDS)] = randomValue(rng, b);
        break;
      case 6: // raw number token in a vector
        if (obj) {
          const f = pick(rng, ["position", "orientation"]);
          const v = [0, 0, 5];
          v[int(rng, 3)] = b.raw(pick(rng, RAW_NUMBERS)) as never;
          obj[f] = v;
        }
        break;
      case 7: // raw number token in a scalar
        if (obj) obj[pick(rng, ["mass", "restitution", "friction"])] = b.raw(pick(rng, RAW_NUMBERS));
        break;
      case 8: // unicode
        if (obj && chance(rng, 0.5)) obj[pick(rng, ["asset_name", "object_type"])] = pick(rng, UNICODE);
        else if (obj) obj[pick(rng, UNICODE)] = 1;
        else msg.type = pick(rng, UNICODE);
        break;
      case 9: // deep nesting
        if (obj && chance(rng, 0.7)) obj[pick(rng, FIELDS)] = deepNest(rng, b);
        else msg.objects = deepNest(rng, b);
        break;
      case 10: // huge arrays
        if (obj) obj[pick(rng, ["position", "orientation"])] = hugeArray(rng, b);
        else msg.objects = hugeArray(rng, b);
        break;
      case 11: // extra field
        if (obj && chance(rng, 0.7)) obj[pick(rng, KEYS)] = randomValue(rng, b);
        else msg[pick(rng, KEYS)] = randomValue(rng, b);
        break;
      case 12: // another type
        msg.type = pick(rng, ["start", "stop", "Configure", "configure ", "", "metadata", "frame", 7, null]);
        break;
      case 13: // vector length
        if (obj) obj[pick(rng, ["position", "orientation"])] = Array.from({ length: pick(rng, [0, 1, 2, 4, 5]) }, () => 0);
        break;
      case 14: // many objects: 40 (valid) or maxObjects + 1 (invalid)
        msg.objects = Array.from({ length: chance(rng, 0.5) ? 40 : MAX_OBJECTS + 1 }, (_, k) => ({ asset_name: "tiny_cube", position: [k, 0, 10], object_type: "inertial" }));
        break;
      default: // non-object entries
        if (objs.length > 0) objs[int(rng, objs.length)] = randomScalar(rng, b);
        break;
    }
  }
  return rawMutate(rng, b.stringify(msg));
}

/** A start (or stop) message, mutated 0–2 times. */
function fuzzStart(rng: Rng): string {
  const b = new Builder();
  const msg: any = chance(rng, 0.1) ? { type: "stop" } : { type: "start", timestep_ms: pick(rng, [1, 10, 16, 33, 1000]), duration_s: pick(rng, [0.001, 0.05, 1, 30]) };
  const nMut = chance(rng, 0.2) ? 0 : 1 + int(rng, 2);
  for (let i = 0; i < nMut; i++) {
    const f = pick(rng, ["type", "timestep_ms", "duration_s"]);
    switch (int(rng, 9)) {
      case 0:
        delete msg[f];
        break;
      case 1:
        msg[f] = randomValue(rng, b);
        break;
      case 2:
      case 3:
        msg[pick(rng, ["timestep_ms", "duration_s"])] = b.raw(pick(rng, RAW_NUMBERS));
        break;
      case 4:
        msg[pick(rng, KEYS)] = randomValue(rng, b);
        break;
      case 5:
        msg.type = pick(rng, ["configure", "stop", "START", "start\u0000", "", 1, null, "metadata"]);
        break;
      case 6:
        msg[f] = deepNest(rng, b);
        break;
      case 7:
        msg[f] = hugeArray(rng, b);
        break;
      default:
        msg[pick(rng, ["timestep_ms", "duration_s"])] = pick(rng, [0, -1, 0.5, 1, 1000, 1000.5, MAX_DURATION, MAX_DURATION + 1, 1e-9, 16.5]);
        break;
    }
  }
  return rawMutate(rng, b.stringify(msg));
}

/** Text-level damage, sometimes. */
function rawMutate(rng: Rng, s: string): string {
  if (!chance(rng, 0.15)) return s;
  switch (int(rng, 5)) {
    case 0:
      return s.slice(0, int(rng, s.length));
    case 1: {
      const i = int(rng, s.length + 1);
      return s.slice(0, i) + pick(rng, ["{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", "x", " ", "\n"]) + s.slice(i);
    }
    case 2: {
      const i = int(rng, s.length);
      return s.slice(0, i) + s.slice(i + 1);
    }
    case 3: // duplicated key (last one wins in JSON.parse)
      return s.replace(/^\{/, `{"type":${pick(rng, ['"configure"', '"start"', '"stop"', "1", "null"])},`);
    default:
      return s + pick(rng, ["", " ", "\n", "}", "x", "{}", "[]"]);
  }
}

/** Random text or bytes as a first message. */
function fuzzGarbage(rng: Rng): { data: string | Buffer; binary: boolean } {
  switch (int(rng, 6)) {
    case 0: // random bytes as a binary frame
      return { data: Buffer.from(Array.from({ length: int(rng, 200) + 1 }, () => int(rng, 256))), binary: true };
    case 1: // random bytes in a text frame (usually not UTF-8)
      return { data: Buffer.from(Array.from({ length: int(rng, 200) + 1 }, () => 128 + int(rng, 128))), binary: false };
    case 2: // random printable text
      return { data: Array.from({ length: int(rng, 100) }, () => String.fromCharCode(32 + int(rng, 95))).join(""), binary: false };
    case 3: // random unicode text
      return { data: Array.from({ length: int(rng, 50) + 1 }, () => String.fromCodePoint(int(rng, 0x10ffff) & ~0x800)).join(""), binary: false };
    case 4: // random JSON values
      return { data: new Builder().stringify(randomValue(rng, new Builder())), binary: false };
    default: // a valid configure as a binary frame
      return { data: Buffer.from(JSON.stringify(seedConfigure())), binary: true };
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------------------------
// The oracle, from docs/live-protocol.md

type Verdict = "valid" | "invalid" | "either";
const worst = (a: Verdict, b: Verdict): Verdict => (a === "invalid" || b === "invalid" ? "invalid" : a === "either" || b === "either" ? "either" : "valid");
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const extreme = (x: number) => Math.abs(x) > 1e6 || (x !== 0 && Math.abs(x) < 1e-6);

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function vec3(v: unknown): Verdict {
  if (!Array.isArray(v) || v.length !== 3 || !v.every(isNum)) return "invalid";
  return v.some((x) => Math.abs(x) > 1e6) ? "either" : "valid"; // finite, but the engine may refuse
}

function spawnObject(o: unknown): Verdict {
  if (!isObj(o)) return "invalid";
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) return "invalid"; // unknown fields are errors
  if (typeof o.asset_name !== "string" || !CATALOGUE.includes(o.asset_name)) return "invalid";
  if (o.object_type !== "inertial" && o.object_type !== "environment") return "invalid";
  const inertial = o.object_type === "inertial";
  let v = vec3(o.position);
  if ("orientation" in o) v = worst(v, o.orientation === null ? "either" : vec3(o.orientation));
  if ("mass" in o) {
    const m = o.mass;
    if (!inertial) v = worst(v, "either"); // ignored for environment bodies
    else if (m === null) v = worst(v, "either");
    else if (!isNum(m) || m <= 0) return "invalid";
    else if (extreme(m)) v = worst(v, "either");
  }
  if ("restitution" in o) {
    const e = o.restitution;
    if (e === null) v = worst(v, "either");
    else if (!isNum(e) || e < 0 || e > 1) return "invalid";
  }
  if ("friction" in o) {
    const f = o.friction;
    if (f === null) v = worst(v, "either");
    else if (!isNum(f) || f < 0) return "invalid";
    else if (extreme(f)) v = worst(v, "either");
  }
  return v;
}

function classifyConfigure(text: string): Verdict {
  const p = parse(text);
  if (!p.ok) return "invalid";
  const m = p.value;
  if (!isObj(m) || m.type !== "configure") return "invalid";
  if (!Array.isArray(m.objects) || m.objects.length === 0 || m.objects.length > MAX_OBJECTS) return "invalid";
  let v: Verdict = "valid";
  for (const o of m.objects) v = worst(v, spawnObject(o));
  if (v === "invalid") return v;
  for (const k of Object.keys(m)) if (k !== "type" && k !== "objects") v = worst(v, "either"); // not specified
  return v;
}

function classifyStart(text: string): Verdict {
  const p = parse(text);
  if (!p.ok) return "invalid";
  const m = p.value;
  if (!isObj(m)) return "invalid";
  if (m.type === "stop") return Object.keys(m).length === 1 ? "valid" : "either";
  if (m.type !== "start") return "invalid";
  let v: Verdict = "valid";
  if ("timestep_ms" in m) {
    const t = m.timestep_ms;
    if (t === null) v = "either";
    else if (!isNum(t) || t < 1 || t > 1000) return "invalid";
  }
  if ("duration_s" in m) {
    const d = m.duration_s;
    if (d === null) v = "either";
    else if (!isNum(d) || d <= 0 || d > MAX_DURATION) return "invalid";
  }
  for (const k of Object.keys(m)) if (!["type", "timestep_ms", "duration_s"].includes(k)) v = worst(v, "either");
  return v;
}

/** The bytes the server sees: what `ws` sends for a JS string (lone surrogates become U+FFFD). */
const onWire = (s: string) => Buffer.from(s, "utf8").toString("utf8");

// ---------------------------------------------------------------------------------------------
// Running sessions and checking answers

interface Outcome {
  phase: string;
  verdict: Verdict | "oversized" | "binary" | "bad-utf8";
  message: string;
  got: string;
}
const failures: Outcome[] = [];
const stats = { messages: 0, sessions: 0, valid: 0, invalid: 0, either: 0, errorsSeen: 0, ignored: 0 };
const warnings: string[] = [];

function describeRun(run: Collected): string {
  const types = run.all.map((m) => m.type);
  const err = run.error ? ` error=${JSON.stringify(String(run.error.message).slice(0, 120))}` : "";
  return `${JSON.stringify(types.length > 8 ? [...types.slice(0, 3), "…", ...types.slice(-3)] : types)} close=${run.close?.code}${err}`;
}

function checkFrameNumbers(frames: Msg[]): void {
  for (const f of frames) {
    for (const s of f.data?.states ?? []) {
      const nums = [s.position?.x, s.position?.y, s.position?.z, s.velocity?.x, s.orientation?.w];
      if (!nums.every((x) => typeof x === "number")) {
        warnings.push(`frame ${f.data.frame_id}: non-numeric state values ${JSON.stringify(s).slice(0, 200)}`);
        return;
      }
    }
  }
}

/** The next message, or undefined when the socket closed first; throws on timeout. */
async function answer(c: LiveClient, timeoutMs = 15000): Promise<Msg | undefined> {
  try {
    return await c.next(timeoutMs);
  } catch (e) {
    if (c.closeInfo) return undefined;
    throw e;
  }
}

/**
 * An invalid message's answer, from message index `from` on: exactly one `error`, then a close with
 * an allowed code; or (for protocol-level failures) no message and a close with an allowed code.
 */
async function answeredWithError(c: LiveClient, from: number, errorCloses: number[], silentCloses: number[]): Promise<boolean> {
  await c.waitClose(5000).catch(() => undefined);
  const after = c.messages.slice(from);
  const code = c.closeInfo?.code;
  if (after.length === 1 && after[0].type === "error") {
    stats.errorsSeen++;
    return typeof after[0].message === "string" && after[0].message.length > 0 && code !== undefined && errorCloses.includes(code);
  }
  return after.length === 0 && code !== undefined && silentCloses.includes(code);
}

function got(c: LiveClient): string {
  return describeRun({ all: c.messages.slice(0), frames: [], complete: undefined, error: c.messages.find((m) => m.type === "error"), close: c.closeInfo });
}

/** A first message (configure phase). */
async function firstMessageSession(text: string | Buffer, binary: boolean, phase: string): Promise<void> {
  const c = await connect(server);
  stats.sessions++;
  stats.messages++;
  let verdict: Outcome["verdict"];
  if (binary) verdict = "binary";
  else if (Buffer.isBuffer(text)) verdict = isUtf8(text) ? classifyConfigure(text.toString("utf8")) : "bad-utf8";
  else if (Buffer.byteLength(text) > MAX_PAYLOAD) verdict = "oversized";
  else verdict = classifyConfigure(onWire(text));
  if (verdict === "valid" || verdict === "either") stats[verdict]++;
  else stats.invalid++;
  const fail = (why: string) => failures.push({ phase, verdict, message: preview(text), got: `${why}: ${got(c)}` });
  try {
    c.sendRaw(text, { binary });
    const first = await answer(c);
    if (first?.type === "metadata") {
      if (verdict !== "valid" && verdict !== "either") fail("accepted");
      else {
        // Exercise the engine with what was accepted: a short run, which must end in order.
        c.send({ type: "start", timestep_ms: 16, duration_s: 0.048 });
        const run = await c.collect(15000, true);
        checkFrameNumbers(run.frames);
        const ok = run.complete ? run.frames.length === 4 && !run.error && run.close?.code === 1000 : verdict === "either" && run.error !== undefined && run.close?.code === 1000;
        if (!ok) fail("short run after metadata");
      }
    } else {
      let ok: boolean;
      if (verdict === "valid") ok = false;
      else if (verdict === "oversized") ok = await answeredWithError(c, 0, [1000, 1009], [1009]);
      else if (verdict === "bad-utf8") ok = await answeredWithError(c, 0, [1000, 1007], [1007]);
      else ok = await answeredWithError(c, 0, [1000], []);
      if (!ok) fail(verdict === "valid" ? "rejected" : "not answered by error + close");
    }
  } catch (e) {
    fail(String(e));
  }
  c.close();
}

/** A message after metadata (start phase). */
async function startPhaseSession(text: string, rng: Rng): Promise<void> {
  const objects = [validObject(rng), validObject(rng)] as never;
  const { client: c } = await configured(server, objects);
  stats.sessions++;
  stats.messages++;
  const verdict: Outcome["verdict"] = Buffer.byteLength(text) > MAX_PAYLOAD ? "oversized" : classifyStart(onWire(text));
  if (verdict === "valid" || verdict === "either") stats[verdict]++;
  else stats.invalid++;
  const fail = (why: string) => failures.push({ phase: "start", verdict, message: preview(text), got: `${why}: ${got(c)}` });
  try {
    c.sendRaw(text);
    const first = await answer(c);
    if (first?.type === "frame" || first?.type === "complete") {
      if (verdict !== "valid" && verdict !== "either") fail("accepted");
      else {
        if (first.type === "frame") c.send({ type: "stop" });
        const run = await c.collect(15000, true);
        const frames = c.messages.filter((m) => m.type === "frame");
        checkFrameNumbers(frames);
        const complete = c.messages.find((m) => m.type === "complete");
        const p = parse(onWire(text));
        const isStop = p.ok && isObj(p.value) && p.value.type === "stop";
        const ok =
          !run.error &&
          complete !== undefined &&
          complete.total_frames === frames.length &&
          frames.every((f, k) => f.data.frame_id === k) &&
          (isStop ? frames.length === 0 : frames.length >= 1) &&
          run.close?.code === 1000;
        if (!ok) fail("run did not end in order");
      }
    } else {
      let ok: boolean;
      if (verdict === "valid") ok = false;
      else if (verdict === "oversized") ok = await answeredWithError(c, 1, [1000, 1009], [1009]);
      else ok = await answeredWithError(c, 1, [1000], []);
      if (!ok) fail(verdict === "valid" ? "rejected" : "not answered by error + close");
    }
  } catch (e) {
    fail(String(e));
  }
  c.close();
}

/** While running: JSON objects other than stop are ignored; the run then stops normally. */
async function runningSession(texts: string[]): Promise<void> {
  const { client: c } = await configured(server, seedConfigure().objects);
  stats.sessions++;
  c.send({ type: "start", timestep_ms: 16, duration_s: 30 });
  await c.waitFor("frame", 5000);
  for (const t of texts) {
    c.sendRaw(t);
    stats.messages++;
    stats.ignored++;
  }
  // Still streaming: another frame arrives after the ignored messages. On a loaded machine (the whole
  // suite in parallel) the next frame can take well over one timestep, so wait for it (up to 3 s)
  // instead of looking after a fixed 150 ms. Errors the messages might have caused come before the
  // `complete` of the stop sent next (messages are handled in order), so `all` below catches them.
  const framesBefore = c.messages.length;
  const streamingDeadline = performance.now() + 3000;
  while (c.messages.length === framesBefore && performance.now() < streamingDeadline) await new Promise((r) => setTimeout(r, 10));
  const stillStreaming = c.messages.length > framesBefore && !c.messages.some((m) => m.type === "error");
  c.send({ type: "stop" });
  const run = await c.collect(10000, true);
  const all = c.messages;
  const frames = all.filter((m) => m.type === "frame");
  const ok = stillStreaming && !all.some((m) => m.type === "error") && all.at(-1)?.type === "complete" && all.at(-1)!.total_frames === frames.length && frames.every((f, k) => f.data.frame_id === k) && run.close?.code === 1000;
  if (!ok) failures.push({ phase: "running/ignored", verdict: "valid", message: texts.map(preview).join(" | ").slice(0, 400), got: describeRun({ ...run, all }) });
  c.close();
}

/** While running: invalid JSON or a binary message is an error. */
async function runningGarbageSession(data: string | Buffer, binary: boolean): Promise<void> {
  const { client: c } = await configured(server, seedConfigure().objects);
  stats.sessions++;
  stats.messages++;
  stats.invalid++;
  c.send({ type: "start", timestep_ms: 16, duration_s: 30 });
  await c.waitFor("frame", 5000);
  c.sendRaw(data, { binary });
  const run = await c.collect(10000, true).catch((e) => ({ all: [], frames: [], complete: undefined, error: undefined, close: undefined, e }) as unknown as Collected);
  const all = c.messages;
  const after = all.slice(all.findIndex((m) => m.type === "error"));
  const ok = run.error !== undefined && after.length === 1 && !all.some((m) => m.type === "complete") && run.close?.code === 1000;
  if (!ok) failures.push({ phase: "running/garbage", verdict: binary ? "binary" : "invalid", message: preview(data), got: describeRun({ ...run, all }) });
  c.close();
}

function preview(x: string | Buffer): string {
  const s = typeof x === "string" ? x : `<${x.length} bytes ${x.subarray(0, 24).toString("hex")}>`;
  return s.length > 160 ? `${s.slice(0, 120)}…(${s.length} chars)…${s.slice(-30)}` : s;
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

async function pool<T>(items: T[], concurrency: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await f(item);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------

describe("fuzz", () => {
  it("≥ 1000 random and malformed messages: invalid → error, valid → served, running → ignored; the server survives", async () => {
    const rng = seededRng(SEED);
    const configureMsgs = Array.from({ length: 600 }, () => fuzzConfigure(rng));
    const garbage = Array.from({ length: 120 }, () => fuzzGarbage(rng));
    const startMsgs = Array.from({ length: 260 }, () => ({ text: fuzzStart(rng), seed: int(rng, 2 ** 31) }));
    // Running phase: JSON objects whose type is not "stop" (mutated configure/start messages).
    const ignorable: string[] = [];
    while (ignorable.length < 200) {
      const t = chance(rng, 0.5) ? fuzzConfigure(rng) : fuzzStart(rng);
      const p = parse(onWire(t));
      if (p.ok && isObj(p.value) && p.value.type !== "stop" && Buffer.byteLength(t) < MAX_PAYLOAD) ignorable.push(t);
    }
    const runningGarbage: { data: string | Buffer; binary: boolean }[] = [
      { data: "{not json", binary: false },
      { data: '{"type": "stop", "x": NaN}', binary: false },
      { data: "", binary: false },
      { data: Buffer.from([0, 1, 2]), binary: true },
      { data: Buffer.from(JSON.stringify({ type: "stop" })), binary: true },
      { data: "[".repeat(100000), binary: false },
    ];

    const t0 = performance.now();
    await pool(
      [...configureMsgs.map((t) => ({ data: t as string | Buffer, binary: false })), ...garbage],
      8,
      (m) => firstMessageSession(m.data, m.binary, "configure"),
    );
    await pool(startMsgs, 8, (m) => startPhaseSession(m.text, seededRng(m.seed)));
    const chunks = Array.from({ length: 5 }, (_, i) => ignorable.slice(i * 40, i * 40 + 40));
    await pool(chunks, 5, runningSession);
    await pool(runningGarbage, 6, (g) => runningGarbageSession(g.data, g.binary));
    const seconds = (performance.now() - t0) / 1000;

    console.log(
      `fuzz (seed ${SEED.toString(16)}): ${stats.messages} messages in ${stats.sessions} sessions, ${seconds.toFixed(1)} s; ` +
        `oracle: ${stats.invalid} invalid, ${stats.valid} valid, ${stats.either} either, ${stats.ignored} sent while running; ${stats.errorsSeen} errors answered; ${failures.length} failures`,
    );
    for (const w of warnings.slice(0, 10)) console.log(`warning: ${w}`);
    for (const f of failures.slice(0, 25)) console.log(`FAIL [${f.phase}, oracle ${f.verdict}] sent ${f.message}\n      got ${f.got}`);

    expect(stats.messages).toBeGreaterThanOrEqual(1000);
    expect(failures.length, "messages answered against the spec (see the log above)").toBe(0);

    const h = await health(server);
    expect(h.status).toBe("ok");
    const after = await waitForActiveSessions(server, 0, 2000);
    expect(after.active_sessions).toBe(0);
  }, 240_000);
});
