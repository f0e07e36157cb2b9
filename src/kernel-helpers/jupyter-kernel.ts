// Talking to the Jupyter frontend from inside a tslab kernel. tslab's public `display` sends one
// MIME type per output, but a rich output must travel with its fallbacks (text/plain, a static
// image) in one bundle. tslab keeps the function that writes `display_data` for the running cell
// in its `jupyter` module; we find that module among the loaded ones and hand it whole bundles.

/** A Jupyter MIME bundle: MIME type → content (strings; binary content base64-encoded). */
export type MimeBundle = Record<string, string>;

type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: { display_id?: string } }, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
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
      break;
    }
  }
  return cached;
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

/** For tests: forget what was found (e.g. after loading a fake tslab module). */
export function resetKernelDetection(): void {
  cached = undefined;
}
