// The replay REST API over the recordings directory, exactly as docs/replay-api.md specifies:
// `/api/v1/simulations…`. The route's shape is checked first (an unknown path is a 404 without
// touching any file), then the id, then numbers and what they name: bad input is a 404 (unknown
// recording, frame, body, asset) or a 422 (malformed number, query out of range), each with a
// `detail` that says what is wrong. A recording whose data turns out damaged is a 500 saying so.
// No answer names a path on the server. HEAD answers as GET would, without building the body.
import type { IncomingMessage, ServerResponse } from "http";
import { RecordingDamaged, RecordingLibrary, RecordingNotFound, RecordingReader } from "../recording";
import { JsonWriter } from "./json-writer";
import { ReplayFrameWriter } from "./replay-frames";
import { sendJson } from "./routes";

export const REPLAY_PREFIX = "/api/v1/simulations";
/** Most frames one range request may ask for. */
export const MAX_RANGE_COUNT = 1000;
/**
 * A range response stops taking frames once its body has reached this many bytes (so it is at most
 * this plus one frame; the first frame is always included): big scenes get fewer frames per
 * request than asked for, and clients continue from the last frame_id + 1.
 */
export const RANGE_BYTE_BUDGET = 8 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const notFound = (message: string): HttpError => new HttpError(404, message);
const unprocessable = (message: string): HttpError => new HttpError(422, message);

/** A response body, built only when it is sent (not for HEAD): bytes of JSON, or a value to stringify. */
type Body = () => Buffer | unknown;
/** Checks what a request names in the recording (throwing 404/422) and returns its body. */
type Resource = (reader: RecordingReader, query: URLSearchParams) => Body;

/** Serves a replay route; returns false when the path is not one (the caller answers 404). */
export function handleReplay(req: IncomingMessage, res: ServerResponse, url: URL, library: RecordingLibrary): boolean {
  if (url.pathname !== REPLAY_PREFIX && !url.pathname.startsWith(`${REPLAY_PREFIX}/`)) return false;
  const head = req.method === "HEAD";
  let id: string | undefined;
  try {
    const segments = pathSegments(url.pathname.slice(REPLAY_PREFIX.length));
    if (segments.length === 0) {
      send(res, head, () => library.list());
      return true;
    }
    const [recording, resource, ...rest] = segments;
    const respond = resourceOf(resource, rest);
    if (!respond) throw notFound("Not Found");
    id = recording;
    library.use(recording, (reader) => send(res, head, respond(reader, url.searchParams)));
  } catch (error) {
    if (error instanceof HttpError) sendJson(res, error.status, { detail: error.message });
    else if (error instanceof RecordingNotFound) sendJson(res, 404, { detail: error.message });
    else if (error instanceof RecordingDamaged) sendJson(res, 500, { detail: `recording ${id} is damaged: ${withoutPaths(error.message, library.directory)}` });
    else {
      const what = id === undefined ? "the recordings cannot be listed" : `recording ${id} cannot be read`;
      sendJson(res, 500, { detail: `${what}: ${withoutPaths(error instanceof Error ? error.message : String(error), library.directory)}` });
    }
  }
  return true;
}

/** The resource a path names (after the id), or undefined when the path is no replay route. */
function resourceOf(resource: string | undefined, rest: string[]): Resource | undefined {
  switch (`${resource ?? ""}/${rest.length}`) {
    case "metadata/0":
      return (reader) => () => metadata(reader);
    case "frames/0":
      return (reader) => () => frameList(reader);
    case "frames/1":
      return rest[0] === "range" ? range : undefined;
    case "frames/2":
      return rest[1] === "state" ? (reader) => frameState(reader, rest[0]) : undefined;
    case "energy/0":
      return (reader) => () => systemEnergy(reader);
    case "energy/1":
      return (reader) => {
        const bodyId = knownBody(reader, rest[0]);
        return () => bodyEnergy(reader, bodyId);
      };
    case "velocity/1":
      return (reader) => {
        const bodyId = knownBody(reader, rest[0]);
        return () => bodyVelocity(reader, bodyId);
      };
    case "assets/0":
      return assets;
  }
  return undefined;
}

function send(res: ServerResponse, head: boolean, body: Body): void {
  if (head) {
    // The status and type GET would answer with; the body (and so its length) is not built.
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
    res.end();
    return;
  }
  const value = body();
  if (Buffer.isBuffer(value)) {
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": value.length });
    res.end(value);
  } else {
    sendJson(res, 200, value);
  }
}

/**
 * `text` without absolute paths: the recordings directory is taken out, and any other absolute
 * path is cut to its last part (a file name says enough; where the server keeps it is not for
 * clients).
 */
export function withoutPaths(text: string, directory: string): string {
  return text
    .split(`${directory}/`).join("")
    .split(`${directory}\\`).join("")
    .replace(/(^|[\s"'(=:,])(?:\/[^\s"'/]+)+\/([^\s"'/]*)/g, "$1$2")
    .replace(/(^|[\s"'(=:,])[A-Za-z]:\\(?:[^\s"'\\]+\\)*([^\s"'\\]*)/g, "$1$2");
}

/** Path segments after the prefix, percent-decoded; a malformed escape or an empty segment is no route. */
function pathSegments(rest: string): string[] {
  if (rest === "" || rest === "/") return [];
  const parts = rest.slice(1).split("/");
  return parts.map((part) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw notFound("Not Found");
    }
    if (decoded === "") throw notFound("Not Found");
    return decoded;
  });
}

function metadata(reader: RecordingReader): object {
  const m = reader.metadata();
  return {
    bodies: m.bodies,
    total_frames: reader.frameCount,
    simulation_id: m.simulationId,
    name: m.name,
    created_at: m.createdAt,
    engine_version: m.engineVersion,
    schema_version: m.schemaVersion,
    timestep_s: m.timestepS,
    gravity: m.gravity,
    duration_s: m.durationS,
  };
}

/** `[{frame_id, simulation_time}]`, times written as in FrameData (the live writer), so they match it. */
function frameList(reader: RecordingReader): Buffer {
  const out = new JsonWriter();
  out.raw("[");
  reader.frames().forEach((f, i) => {
    out.raw(i === 0 ? '{"frame_id":' : ',{"frame_id":').integer(f.frameId).raw(',"simulation_time":').number(f.simulationTime).raw("}");
  });
  out.raw("]");
  return out.toBuffer();
}

/** `…/frames/{frame_id}/state`: one FrameData, however big its scene. */
function frameState(reader: RecordingReader, text: string): Body {
  const id = integer(text, "frame_id");
  if (!reader.hasFrame(id)) throw notFound(`Frame ${id} not found`);
  return () => {
    const found = reader.frame(id);
    if (!found) throw notFound(`Frame ${id} not found`);
    return frameWriter(reader).frame(found);
  };
}

/**
 * `…/frames/range?start=&count=`: the frames from `start` that exist, at most `count`, and no more
 * once the body has reached RANGE_BYTE_BUDGET (frames are read one at a time, as they are written).
 */
function range(reader: RecordingReader, query: URLSearchParams): Body {
  const start = integer(single(query, "start"), "start");
  const count = integer(single(query, "count"), "count");
  if (start < 0) throw unprocessable(`start must be >= 0 (got ${start})`);
  if (count < 1 || count > MAX_RANGE_COUNT) throw unprocessable(`count must be in [1, ${MAX_RANGE_COUNT}] (got ${count})`);
  return () => frameWriter(reader).frames(reader.framesFrom(start, count), RANGE_BYTE_BUDGET);
}

function systemEnergy(reader: RecordingReader): object[] {
  return reader.systemEnergy().map((e) => ({
    frame_id: e.frameId,
    simulation_time: e.simulationTime,
    total_system_e: e.total,
    delta_e: e.delta,
    total_linear_ke: e.linear,
    total_rotational_ke: e.rotational,
    total_potential_e: e.potential,
  }));
}

/** A body id that the recording has (else 404); malformed → 422. */
function knownBody(reader: RecordingReader, text: string): number {
  const bodyId = integer(text, "body_id");
  if (!reader.metadata().bodies.some((b) => b.body_id === bodyId)) throw notFound(`Body ${bodyId} not found`);
  return bodyId;
}

function bodyEnergy(reader: RecordingReader, bodyId: number): object[] {
  const points = reader.bodyEnergy(bodyId);
  if (!points) throw notFound(`Body ${bodyId} not found`);
  return points.map((e) => ({
    body_id: bodyId,
    frame_id: e.frameId,
    simulation_time: e.simulationTime,
    linear_ke: e.linear,
    rotational_ke: e.rotational,
    potential_e: e.potential,
    total_e: e.total,
  }));
}

function bodyVelocity(reader: RecordingReader, bodyId: number): object[] {
  const points = reader.bodyVelocity(bodyId);
  if (!points) throw notFound(`Body ${bodyId} not found`);
  return points.map(({ frameId, simulationTime, velocity: [vx, vy, vz], angularVelocity: [wx, wy, wz] }) => ({
    body_id: bodyId,
    frame_id: frameId,
    simulation_time: simulationTime,
    vx,
    vy,
    vz,
    speed: Math.hypot(vx, vy, vz),
    omega_x: wx,
    omega_y: wy,
    omega_z: wz,
    omega_magnitude: Math.hypot(wx, wy, wz),
  }));
}

/** `…/assets[?asset_ids=…]`: every asset, or those asked for (each once, in the order asked). */
function assets(reader: RecordingReader, query: URLSearchParams): Body {
  const all = reader.assets();
  const asked = query.getAll("asset_ids");
  if (asked.length === 0) return () => all;
  const byId = new Map(all.map((a) => [a.asset_id, a]));
  const seen = new Set<number>();
  const out: object[] = [];
  for (const text of asked) {
    const id = integer(text, "asset_ids");
    const asset = byId.get(id);
    if (!asset) throw notFound(`Asset ${id} is not in this recording`);
    if (!seen.has(id)) out.push(asset);
    seen.add(id);
  }
  return () => out;
}

/**
 * A JSON-safe integer written the one plain decimal way ("0", "42", "-7": no sign but "-", no
 * leading zeros, no "-0"), else 422 naming the parameter. One number, one spelling: "07" and "7"
 * do not both name frame 7.
 */
function integer(text: string | undefined, name: string): number {
  if (text === undefined) throw unprocessable(`${name} is required`);
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const value = Number(text);
  if (!/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(value)) throw unprocessable(`${name} must be an integer (got ${shown})`);
  if (/^-?0\d/.test(text) || text === "-0") throw unprocessable(`${name} must be an integer without leading zeros or "-0" (got ${shown})`);
  return value;
}

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw unprocessable(`${name} is given ${values.length} times`);
  return values[0];
}

const writers = new WeakMap<RecordingReader, ReplayFrameWriter>();

/** One frame writer per open reader (its caches of resting bodies carry over between requests). */
function frameWriter(reader: RecordingReader): ReplayFrameWriter {
  let writer = writers.get(reader);
  if (!writer) {
    writer = new ReplayFrameWriter(reader);
    writers.set(reader, writer);
  }
  return writer;
}
