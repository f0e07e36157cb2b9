// Server options, their defaults, and how they are read from flags and environment variables.
import * as path from "path";
import { packageRoot } from "../engine/package-root";

export interface ServerLimits {
  /** Concurrent WebSocket sessions. */
  maxSessions: number;
  /** Objects in one `configure`. */
  maxObjects: number;
  /** Longest `duration_s` a `start` may ask for. */
  maxDurationS: number;
  /** Largest client message in bytes. */
  maxPayloadBytes: number;
  /** Output waiting for a slow client before its simulation pauses. */
  maxBufferedBytes: number;
  /** A client that does not drain its output for this long is disconnected. */
  stallTimeoutS: number;
  /**
   * Every client is pinged this often; one that has not answered the previous ping by the next
   * is dropped (a dead peer: a killed browser, a lost network), and its session ends.
   */
  heartbeatIntervalS: number;
}

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Access token. Required for non-loopback binding: generated when not given. Ignored on loopback unless given. */
  token?: string;
  /** Extra origins allowed to open WebSockets (the server's own origin always is). */
  allowedOrigins?: string[];
  /** Assets database path (default: the embedded catalogue database). */
  assetsDb?: string;
  limits?: Partial<ServerLimits>;
  /** Record every live session (clients can also ask with `"record": true` in `configure`). Default false. */
  record?: boolean;
  /** Where recordings are written and replayed from. Default `data/recordings` in the package; created when needed. */
  recordingsDir?: string;
  /** Where log lines go (default: console.log). */
  log?: (line: string) => void;
  /**
   * Let the process exit while the server runs (listener, connections, workers and timers are
   * unref'd). For servers embedded in a notebook kernel or a script: they must not keep it alive.
   */
  unref?: boolean;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxSessions: 32,
  maxObjects: 1000,
  maxDurationS: 600,
  maxPayloadBytes: 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  stallTimeoutS: 30,
  heartbeatIntervalS: 15,
};

export const DEFAULT_PORT = 8000;

/** `<package root>/data/recordings`. */
export function defaultRecordingsDir(): string {
  return path.join(packageRoot(), "data", "recordings");
}

/** Flags that take no value (`--record`; `--record=false` turns it off). */
const BOOLEAN_FLAGS = new Set(["record"]);
export const DEFAULT_HOST = "127.0.0.1";

/** Reads `--flag value` / `--flag=value` arguments and environment variables into options. */
export function optionsFromCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): ServerOptions {
  const flags = parseFlags(argv);
  // An empty value (`HOST=`) counts as not given.
  const pick = (flag: string, variable: string): string | undefined => {
    const value = flags.get(flag)?.at(-1) ?? env[variable];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const options: ServerOptions = { limits: {} };
  const port = pick("port", "PORT");
  if (port !== undefined) options.port = parseNumber(port, "port");
  options.host = pick("host", "HOST");
  options.token = pick("token", "MSD_LAB_TOKEN");
  options.assetsDb = pick("assets-db", "MSD_LAB_ASSETS_DB");
  const record = pick("record", "MSD_LAB_RECORD");
  if (record !== undefined) options.record = parseBoolean(record, "record");
  options.recordingsDir = pick("recordings-dir", "MSD_LAB_RECORDINGS_DIR");
  const origins = [...(flags.get("allow-origin") ?? []), ...(env.MSD_LAB_ALLOWED_ORIGINS ?? "").split(",")];
  options.allowedOrigins = origins.map((o) => o.trim()).filter((o) => o.length > 0);
  const limitFlags: [keyof ServerLimits, string, string][] = [
    ["maxSessions", "max-sessions", "MSD_LAB_MAX_SESSIONS"],
    ["maxObjects", "max-objects", "MSD_LAB_MAX_OBJECTS"],
    ["maxDurationS", "max-duration", "MSD_LAB_MAX_DURATION_S"],
    ["maxPayloadBytes", "max-payload", "MSD_LAB_MAX_PAYLOAD_BYTES"],
    ["maxBufferedBytes", "max-buffered", "MSD_LAB_MAX_BUFFERED_BYTES"],
    ["stallTimeoutS", "stall-timeout", "MSD_LAB_STALL_TIMEOUT_S"],
    ["heartbeatIntervalS", "heartbeat-interval", "MSD_LAB_HEARTBEAT_INTERVAL_S"],
  ];
  for (const [key, flag, variable] of limitFlags) {
    const value = pick(flag, variable);
    if (value !== undefined) options.limits![key] = parseNumber(value, flag);
  }
  return options;
}

/** Fills in defaults and checks every value, with errors that name the option. */
export function resolveLimits(limits: Partial<ServerLimits> | undefined): ServerLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ServerLimits)[]) {
    const value = resolved[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new Error(`limits.${key} must be a positive number (got ${String(value)})`);
    }
  }
  return resolved;
}

function parseFlags(argv: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}" (flags look like --port 8000)`);
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq >= 0 ? arg.slice(eq + 1) : BOOLEAN_FLAGS.has(name) ? "true" : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

function parseBoolean(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new Error(`${name} must be true or false (got "${text}")`);
}

function parseNumber(text: string, name: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new Error(`${name} must be a number (got "${text}")`);
  return value;
}
