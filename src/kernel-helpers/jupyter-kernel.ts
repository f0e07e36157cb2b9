// Talking to the Jupyter frontend from inside a tslab kernel. tslab's public `display` sends one
// MIME type per output, but a rich output must travel with its fallbacks (text/plain, a static
// image) in one bundle. tslab keeps the function that writes `display_data` for the running cell
// in its `jupyter` module; we find that module among the loaded ones and hand it whole bundles.

/** A Jupyter MIME bundle: MIME type → content (strings; binary content base64-encoded). */
export type MimeBundle = Record<string, string>;

type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: { display_id?: string } }, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
  ZmqServer?: { prototype: { handleExecute?: (this: unknown, sock: unknown, msg: ExecuteMessage) => unknown } };
  JupyterHandlerImpl?: { prototype: { handleExecuteImpl?: (this: unknown, req: object, ...rest: unknown[]) => unknown } };
}

interface ExecuteMessage {
  content?: object;
  metadata?: { cellId?: unknown; deletedCells?: unknown };
}

/** The cell an execution came from, where the frontend says (JupyterLab ≥ 3, Notebook 7). */
export interface CellInfo {
  cellId: string | undefined;
  /** Cells the user deleted since the last execution. */
  deletedCells: string[];
}

const TSLAB_JUPYTER = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

let cached: TslabJupyterModule | null | undefined;

function tslabJupyter(): TslabJupyterModule | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (const [file, mod] of Object.entries(require.cache)) {
    const exports = mod?.exports as Partial<TslabJupyterModule> | undefined;
    if (TSLAB_JUPYTER.test(file) && exports && "lastWriteDisplayData" in exports) {
      cached = exports as TslabJupyterModule;
      trackCells(cached);
      break;
    }
  }
  return cached;
}

const cellOfRequest = new WeakMap<object, CellInfo>();
let executing: CellInfo = { cellId: undefined, deletedCells: [] };

/**
 * tslab hands a request's content, not its metadata, to the code that runs it; the frontend puts
 * the cell id in the metadata. Requests are queued (Run All sends them at once), so the id is
 * attached to the content when a request arrives and read back when it starts running.
 */
function trackCells(tslab: TslabJupyterModule): void {
  const server = tslab.ZmqServer?.prototype;
  const handler = tslab.JupyterHandlerImpl?.prototype;
  const receive = server?.handleExecute;
  const run = handler?.handleExecuteImpl;
  if (!server || !handler || !receive || !run) return;
  server.handleExecute = function (sock, msg) {
    const cellId = msg?.metadata?.cellId;
    const deleted = msg?.metadata?.deletedCells;
    if (msg?.content && typeof msg.content === "object") {
      cellOfRequest.set(msg.content, {
        cellId: typeof cellId === "string" ? cellId : undefined,
        deletedCells: Array.isArray(deleted) ? deleted.filter((d): d is string => typeof d === "string") : [],
      });
    }
    return receive.call(this, sock, msg);
  };
  handler.handleExecuteImpl = function (req, ...rest) {
    executing = cellOfRequest.get(req) ?? { cellId: undefined, deletedCells: [] };
    return run.call(this, req, ...rest);
  };
}

/** The cell whose code is running (or ran last), as far as the frontend said. */
export function executingCell(): CellInfo {
  return executing;
}

/** Identifies the current execution: tslab makes a new output writer for every request. */
export function executionToken(): unknown {
  return tslabJupyter()?.lastWriteDisplayData ?? undefined;
}

/** Whether this code runs inside a tslab Jupyter kernel (rich outputs are shown in the cell). */
export function inKernel(): boolean {
  return tslabJupyter() !== null;
}

/**
 * Sends a bundle as `display_data` (or `update_display_data` of `displayId` when `update`).
 * Output goes to the cell that is executing (or ran last), as tslab's own display does.
 */
export function sendDisplay(bundle: MimeBundle, displayId?: string, update = false): void {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (!write) throw new Error("not running in a tslab kernel: rich output cannot be displayed here");
  write({ data: bundle, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
}

/**
 * Runs `callback` when the user interrupts the kernel (■), until the returned function is called.
 * tslab turns SIGINT into an interrupt of the cell's JavaScript; native work and timers need
 * their own stop. Outside a kernel nothing is registered (Ctrl-C keeps ending a script).
 */
export function onKernelInterrupt(callback: () => void): () => void {
  if (!inKernel()) return () => undefined;
  // Not while the cell's synchronous code runs: tslab runs it with vm's breakOnSigint, which takes
  // the SIGINT handling over and restores the signal's old disposition afterwards; a listener
  // added meanwhile would leave SIGINT unhandled (the next interrupt would kill the kernel).
  let listening = false;
  let stopped = false;
  setImmediate(() => {
    if (stopped) return;
    process.on("SIGINT", callback);
    listening = true;
  });
  return () => {
    stopped = true;
    if (listening) process.off("SIGINT", callback);
  };
}
