// The browser libraries that rich outputs need, packed so that an output can carry them: plotly.js
// (a UMD script) and the 3D player (three.js + the viewer's ES modules, as a module graph). Both come
// from node_modules and src/viewer, never from a CDN, gzip-compressed and base64-encoded (plotly:
// 4.9 MB → 2 MB). Each is packed once per process.
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { packageRoot } from "../engine/package-root";

export type Library = "plotly" | "player";

/** What the output runtime needs to load one library: `__msdLab.provide(name, kind, payload, global)`. */
interface Packed {
  kind: "script" | "modules";
  payload: string;
  globalName?: string;
}

const packed = new Map<Library, Packed>();

/** The JavaScript statement that hands a library to the page's output runtime. */
export function provideStatement(library: Library): string {
  let p = packed.get(library);
  if (!p) {
    p = library === "plotly" ? packPlotly() : packPlayer();
    packed.set(library, p);
  }
  const args = [library, p.kind, p.payload, ...(p.globalName ? [p.globalName] : [])];
  return `__msdLab.provide(${args.map((a) => JSON.stringify(a)).join(",")});`;
}

/** The output runtime itself (defines `window.__msdLab` once per page). */
export function runtimeScript(): string {
  return readViewerFile("output-runtime.js");
}

function packPlotly(): Packed {
  const file = require.resolve("plotly.js-dist-min/plotly.min.js");
  return { kind: "script", payload: gzipBase64(fs.readFileSync(file)), globalName: "Plotly" };
}

const THREE_BUILD = path.dirname(require.resolve("three"));
const PLAYER_ENTRY = path.join(packageRoot(), "src", "viewer", "notebook-player.js");

/** three.js and the viewer's modules reachable from the player, each with its imports rewritten. */
function packPlayer(): Packed {
  const order: string[] = [];
  const sources: Record<string, string> = {};
  const visit = (file: string): void => {
    if (file in sources) return;
    sources[file] = ""; // marks it as being visited (the graph has no cycles)
    const rewritten = rewriteImports(fs.readFileSync(file, "utf8"), file, visit);
    sources[file] = rewritten;
    order.push(file);
  };
  visit(PLAYER_ENTRY);
  const keys = new Map(order.map((file, i) => [file, `m${i}`]));
  const graph = {
    order: order.map((f) => keys.get(f)!),
    entry: keys.get(PLAYER_ENTRY)!,
    sources: Object.fromEntries(order.map((f) => [keys.get(f)!, sources[f].replace(/"__msd_module__:([^"]+)"/g, (_, dep: string) => `"__msd_module__:${keys.get(dep)}"`)])),
  };
  return { kind: "modules", payload: gzipBase64(Buffer.from(JSON.stringify(graph))) };
}

const IMPORT_SPECIFIER = /(\b(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?)(["'])([^"'\n]+)\2/g;

/** Replaces each static import specifier with a placeholder naming the resolved file. */
function rewriteImports(source: string, file: string, visit: (file: string) => void): string {
  // three.module.min.js has no imports; scanning its 700 kB for them would only risk false matches.
  if (path.dirname(file) === THREE_BUILD) return source;
  return source.replace(IMPORT_SPECIFIER, (_match, head: string, _quote: string, specifier: string) => {
    const target = resolveSpecifier(specifier, file);
    visit(target);
    return `${head}"__msd_module__:${target}"`;
  });
}

function resolveSpecifier(specifier: string, from: string): string {
  if (specifier === "three") return path.join(THREE_BUILD, "three.module.min.js");
  if (specifier.startsWith("three/addons/")) return path.join(THREE_BUILD, "..", "examples", "jsm", specifier.slice("three/addons/".length));
  if (specifier.startsWith("./") || specifier.startsWith("../")) return path.resolve(path.dirname(from), specifier);
  throw new Error(`player module ${from} imports '${specifier}', which notebook outputs cannot load`);
}

function readViewerFile(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), "src", "viewer", name), "utf8");
}

export function gzipBase64(bytes: Uint8Array): string {
  return gzipSync(bytes, { level: 9 }).toString("base64");
}
