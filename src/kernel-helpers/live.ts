// serveLive(): the live server inside the notebook (or script) process. Given the notebook's
// engine, it publishes it: a browser at the printed /live?watch=… URL watches it while cells step it.
// The server never keeps a kernel alive: its listener, connections, workers and timers are unref'd,
// so a restarting kernel exits at once, and the process's exit takes the server with it.
import type { Engine } from "../engine";
import { LiveServer, startServer } from "../server";
import { inKernel, sendDisplay } from "./jupyter-kernel";
import { escapeHtml } from "./rich-output";

export interface ServeLiveOptions {
  /** Engine to publish for watching (stepped by you, from cells or a script). */
  engine?: Engine;
  /** A name shown to watchers. Default "notebook". */
  name?: string;
  /**
   * The simulation id to publish the engine under (default: a new one). Reusing the id of an
   * earlier run (a restarted kernel, a re-run cell) lets the pages that watched it resume.
   */
  simulationId?: string;
  /** TCP port. Default 8000, or a free one when 8000 is taken. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (this machine only); other hosts need a token (printed). */
  host?: string;
  token?: string;
}

export interface LiveHandle {
  /** The page to open: /live?watch=ID for a published engine, else /live. */
  readonly url: string;
  /** The published engine's simulation id. */
  readonly simulationId: string | undefined;
  /** Stops publishing this engine (its watchers get `complete`); the server stays for others. */
  close(): void;
}

let running: Promise<LiveServer> | undefined;

const DEFAULT_PORT = 8000;

/** Starts (or reuses) the in-process live server and publishes `engine` if given. */
export async function serveLive(options: ServeLiveOptions = {}): Promise<LiveHandle> {
  const server = await liveServer(options);
  const simulationId = options.engine ? server.publish(options.engine, { name: options.name ?? "notebook", id: options.simulationId }) : undefined;
  const query = new URLSearchParams();
  if (simulationId) query.set("watch", simulationId);
  if (server.token) query.set("token", server.token);
  const search = query.toString();
  const url = `${server.url}/live${search ? `?${search}` : ""}`;
  announce(url, simulationId);
  return { url, simulationId, close: () => simulationId && server.unpublish(simulationId) };
}

/** Stops the live server: every watcher and session ends. Safe to call when none runs. */
export async function stopLive(): Promise<void> {
  const server = running;
  running = undefined;
  if (server) await (await server).close();
}

async function liveServer(options: ServeLiveOptions): Promise<LiveServer> {
  if (running) {
    const server = await running;
    // Port 0 means "any free port": the running server is one.
    const otherPort = options.port !== undefined && options.port !== 0 && options.port !== server.port;
    const otherHost = options.host !== undefined && options.host !== server.host;
    const otherToken = options.token !== undefined && options.token !== server.token;
    if (otherPort || otherHost || otherToken) {
      const wanted = otherPort ? `port ${options.port}` : otherHost ? `host ${options.host}` : "another token";
      throw new Error(`a live server already runs at ${server.url}; call stopLive() before starting one with ${wanted}`);
    }
    return server;
  }
  running = start(options);
  running.catch(() => (running = undefined));
  return running;
}

async function start(options: ServeLiveOptions): Promise<LiveServer> {
  const common = { host: options.host, token: options.token, unref: true, log: () => undefined };
  if (options.port !== undefined) return startServer({ ...common, port: options.port });
  try {
    return await startServer({ ...common, port: DEFAULT_PORT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startServer({ ...common, port: 0 });
  }
}

function announce(url: string, simulationId: string | undefined): void {
  const what = simulationId ? `Watch this engine live (${simulationId})` : "Live viewer";
  if (!inKernel()) {
    console.log(`${what}: ${url}`);
    return;
  }
  const link = `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(url)}</a>`;
  sendDisplay({ "text/html": `<div style="font:13px system-ui,sans-serif">${escapeHtml(what)}: ${link}</div>`, "text/plain": `${what}: ${url}` });
}
