// Who may talk to the server: Host check against DNS rebinding (loopback binding), Origin check
// against cross-site WebSocket hijacking, and the access token for non-loopback binding.
import * as crypto from "crypto";
import type { IncomingMessage } from "http";

export interface AccessPolicy {
  /** Bound to a loopback address: Host headers must name loopback. */
  loopback: boolean;
  /** When set, every request must carry it. */
  token: string | undefined;
  /** Origins allowed besides the server's own. */
  allowedOrigins: ReadonlySet<string>;
}

export const TOKEN_COOKIE = "msd_lab_token";
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function generateToken(): string {
  return crypto.randomBytes(18).toString("base64url");
}

/** Why the request may not proceed (status and message), or undefined when it may. */
export function checkRequest(req: IncomingMessage, url: URL, policy: AccessPolicy): { status: number; message: string } | undefined {
  if (policy.loopback && !isLoopbackHostHeader(req.headers.host)) {
    return { status: 403, message: `Host "${req.headers.host ?? ""}" is not allowed: this server only answers to localhost` };
  }
  if (policy.token !== undefined && !hasToken(req, url, policy.token)) {
    return { status: 401, message: "missing or wrong access token (use ?token=…, Authorization: Bearer …, or open /live?token=…)" };
  }
  return undefined;
}

/** Browsers always send Origin on WebSocket upgrades; scripts usually do not (and cannot be hijacked). */
export function checkOrigin(req: IncomingMessage, policy: AccessPolicy): { status: number; message: string } | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const own = `http://${req.headers.host ?? ""}`;
  const ownSecure = `https://${req.headers.host ?? ""}`;
  if (origin === own || origin === ownSecure || policy.allowedOrigins.has(origin)) return undefined;
  return { status: 403, message: `Origin "${origin}" is not allowed` };
}

/** The cookie that lets the /live page's own requests carry the token it was opened with. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return isLoopbackAddress(name.toLowerCase());
}

function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const candidates: string[] = [];
  const fromQuery = url.searchParams.get("token");
  if (fromQuery !== null) candidates.push(fromQuery);
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) candidates.push(auth.slice(7).trim());
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === TOKEN_COOKIE) candidates.push(decodeURIComponent(rest.join("=")));
  }
  return candidates.some((candidate) => sameSecret(candidate, token));
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
