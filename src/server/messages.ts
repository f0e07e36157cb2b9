// Client messages of the live protocol: parsing and validation. Every rejection is a
// ProtocolError whose message names the field and the value (docs/live-protocol.md).
import { FRAME_ENCODINGS, type FrameEncoding } from "./frame-encoding";

export class ProtocolError extends Error {}

export type ObjectType = "inertial" | "environment";

export interface ObjectConfig {
  assetName: string;
  position: [number, number, number];
  orientation: [number, number, number];
  objectType: ObjectType;
  mass: number;
  restitution: number;
  friction: number;
}

export interface StartConfig {
  timestepMs: number;
  durationS: number;
}

export type JsonObject = Record<string, unknown>;

const OBJECT_FIELDS = new Set(["asset_name", "position", "orientation", "object_type", "mass", "restitution", "friction"]);
const CONFIGURE_FIELDS = new Set(["type", "objects", "record", "encoding"]);
const START_FIELDS = new Set(["type", "timestep_ms", "duration_s"]);
const STOP_FIELDS = new Set(["type"]);
const WATCH_FIELDS = new Set(["type", "simulation_id", "encoding"]);

/** Text → any JSON value; ProtocolError for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (/(^|[^\w"])(NaN|-?Infinity)([^\w"]|$)/.test(text)) throw new ProtocolError("invalid JSON: NaN and Infinity are not valid JSON numbers");
    throw new ProtocolError(`invalid JSON: ${(error as Error).message}`);
  }
}

/** Whether a parsed message is `{"type": "stop", …}`. */
export function isStop(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as JsonObject).type === "stop";
}

/** A parsed JSON value → an object with a string `type`. */
export function asMessage(value: unknown): JsonObject & { type: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ProtocolError(`message must be a JSON object (got ${describe(value)})`);
  }
  const type = (value as JsonObject).type;
  if (typeof type !== "string") throw new ProtocolError(`message needs a string "type" (got ${describe(type)})`);
  return value as JsonObject & { type: string };
}

export function readConfigure(message: JsonObject, maxObjects: number): ObjectConfig[] {
  rejectUnknownFields(message, CONFIGURE_FIELDS, "configure");
  const objects = message.objects;
  if (objects === undefined || (Array.isArray(objects) && objects.length === 0)) {
    throw new ProtocolError("'configure' must include at least one object ('objects' is missing or empty)");
  }
  if (!Array.isArray(objects)) throw new ProtocolError(`'objects' must be an array (got ${describe(objects)})`);
  if (objects.length > maxObjects) throw new ProtocolError(`too many objects: ${objects.length} (limit ${maxObjects})`);
  return objects.map((object, i) => readObject(object, `objects[${i}]`));
}

/** `configure`'s optional `record` (record this session): true or false, default false. */
export function readRecord(message: JsonObject): boolean {
  const record = message.record;
  if (record === undefined) return false;
  if (typeof record !== "boolean") throw new ProtocolError(`'record' must be true or false (got ${describe(record)})`);
  return record;
}

/** The optional `encoding` of `configure` and `watch`: "json" (the default) or "binary". */
export function readEncoding(message: JsonObject): FrameEncoding {
  const encoding = message.encoding;
  if (encoding === undefined) return "json";
  if (typeof encoding !== "string" || !(FRAME_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new ProtocolError(`'encoding' must be 'json' or 'binary' (got ${describe(encoding)})`);
  }
  return encoding as FrameEncoding;
}

export function readStart(message: JsonObject, maxDurationS: number): StartConfig {
  rejectUnknownFields(message, START_FIELDS, "start");
  const timestepMs = optionalNumber(message.timestep_ms, "'timestep_ms'", 16);
  if (timestepMs < 1 || timestepMs > 1000) throw new ProtocolError(`'timestep_ms' must be in [1, 1000] (got ${timestepMs})`);
  const durationS = optionalNumber(message.duration_s, "'duration_s'", 30);
  if (!(durationS > 0) || durationS > maxDurationS) throw new ProtocolError(`'duration_s' must be in (0, ${maxDurationS}] (got ${durationS})`);
  return { timestepMs, durationS };
}

/** Simulation ids are short opaque strings: letters, digits, '-' and '_'. */
export const SIMULATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface WatchRequest {
  simulationId: string;
  encoding: FrameEncoding;
}

/** `{"type": "watch", "simulation_id": ID, "encoding"?: "json" | "binary"}`. */
export function readWatch(message: JsonObject): WatchRequest {
  rejectUnknownFields(message, WATCH_FIELDS, "watch");
  const id = message.simulation_id;
  if (typeof id !== "string" || !SIMULATION_ID_PATTERN.test(id)) {
    throw new ProtocolError(`'simulation_id' must be a string of 1-64 letters, digits, '-' or '_' (got ${describe(id)})`);
  }
  return { simulationId: id, encoding: readEncoding(message) };
}

export function readStop(message: JsonObject): void {
  rejectUnknownFields(message, STOP_FIELDS, "stop");
}

/** Frames in a run: floor(duration_ms / timestep_ms) + 1 (frame 0 is the initial state). */
export function frameCount(start: StartConfig): number {
  const durationMs = Math.round(start.durationS * 1000 * 1e6) / 1e6;
  return Math.floor(durationMs / start.timestepMs + 1e-9) + 1;
}

function readObject(value: unknown, where: string): ObjectConfig {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ProtocolError(`${where} must be an object (got ${describe(value)})`);
  }
  const o = value as JsonObject;
  rejectUnknownFields(o, OBJECT_FIELDS, where);
  if (typeof o.asset_name !== "string" || o.asset_name.length === 0) {
    throw new ProtocolError(`${where}.asset_name must be a non-empty string (got ${describe(o.asset_name)})`);
  }
  if (o.object_type !== "inertial" && o.object_type !== "environment") {
    throw new ProtocolError(`${where}.object_type must be 'inertial' or 'environment' (got ${describe(o.object_type)})`);
  }
  const inertial = o.object_type === "inertial";
  const config: ObjectConfig = {
    assetName: o.asset_name,
    position: vector(o.position, `${where}.position`),
    orientation: o.orientation === undefined ? [0, 0, 0] : vector(o.orientation, `${where}.orientation`),
    objectType: o.object_type,
    mass: optionalNumber(o.mass, `${where}.mass`, 10),
    restitution: optionalNumber(o.restitution, `${where}.restitution`, inertial ? 0.8 : 0.5),
    friction: optionalNumber(o.friction, `${where}.friction`, 0.5),
  };
  if (inertial && !(config.mass > 0)) throw new ProtocolError(`${where}.mass must be > 0 (got ${config.mass})`);
  if (config.restitution < 0 || config.restitution > 1) throw new ProtocolError(`${where}.restitution must be in [0, 1] (got ${config.restitution})`);
  if (config.friction < 0) throw new ProtocolError(`${where}.friction must be >= 0 (got ${config.friction})`);
  return config;
}

function vector(value: unknown, where: string): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3) {
    throw new ProtocolError(`${where} must be an array of exactly 3 numbers (got ${describe(value)})`);
  }
  return [finite(value[0], `${where}[0]`), finite(value[1], `${where}[1]`), finite(value[2], `${where}[2]`)];
}

function optionalNumber(value: unknown, where: string, fallback: number): number {
  return value === undefined ? fallback : finite(value, where);
}

function finite(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ProtocolError(`${where} must be a finite number (got ${describe(value)})`);
  }
  return value;
}

function rejectUnknownFields(o: JsonObject, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) throw new ProtocolError(`${where}: unknown field '${truncate(key)}'`);
  }
}

/** A short, safe rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return `'${truncate(value)}'`;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
