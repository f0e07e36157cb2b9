// STL reader (ASCII and binary). Only vertex positions matter to msd-lab: assets made from STL
// files are convex hulls of the vertices, so facet normals are checked for syntax and ignored.
//
// Format detection: a binary STL is an 80-byte header, a little-endian uint32 triangle count n
// and 50 bytes per triangle, so its size is exactly 84 + 50·n. Many binary exporters start the
// header with "solid", so the size check (not the first word) decides binary; the ASCII parser
// is used only when the size does not fit and the file starts with "solid" and looks like text.

import * as fs from "fs";

export interface StlGeometry {
  format: "ascii" | "binary";
  triangleCount: number;
  /** Distinct vertices, flat xyz (exactly equal positions merged). */
  vertices: Float64Array;
  /** Triangles as index triples into `vertices`, in file order and winding. */
  indices: Uint32Array;
}

const BINARY_HEADER_BYTES = 84;
const BINARY_TRIANGLE_BYTES = 50;

/** Reads and parses an STL file; errors name the path. */
export function readStlFile(path: string): StlGeometry {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read STL file "${path}": ${(err as Error).message}`);
  }
  return parseStl(bytes, `STL file "${path}"`);
}

/** Parses STL bytes; `source` names the data in error messages. */
export function parseStl(bytes: Uint8Array, source = "STL data"): StlGeometry {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (bytes.length === 0) fail("empty file");
  const binary = isBinaryStl(bytes);
  if (!binary && !looksLikeAsciiStl(bytes)) fail(describeNonStl(bytes));
  const triangles = binary ? readBinaryTriangles(bytes, fail) : readAsciiTriangles(bytes, fail);
  if (triangles.length === 0) fail("contains no triangles");
  return deduplicate(triangles, binary ? "binary" : "ascii");
}

type Fail = (message: string) => never;

/** Flat xyz of 3 vertices per triangle, before deduplication. */
type TriangleSoup = number[];

function declaredTriangleCount(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(80, true);
}

function isBinaryStl(bytes: Uint8Array): boolean {
  if (bytes.length < BINARY_HEADER_BYTES) return false;
  return BINARY_HEADER_BYTES + BINARY_TRIANGLE_BYTES * declaredTriangleCount(bytes) === bytes.length;
}

/** Starts with "solid" and has no control bytes that text never contains (binary floats do). */
function looksLikeAsciiStl(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 512))
    .toString("latin1")
    .trimStart();
  if (!/^solid\b/i.test(head)) return false;
  for (const byte of bytes) {
    const whitespace = byte === 9 || byte === 10 || byte === 11 || byte === 12 || byte === 13;
    if (byte < 32 && !whitespace) return false;
  }
  return true;
}

function describeNonStl(bytes: Uint8Array): string {
  if (bytes.length < BINARY_HEADER_BYTES) {
    return `not an STL file: ${bytes.length} bytes is too short for a binary STL (84-byte header) and it does not start with "solid"`;
  }
  const n = declaredTriangleCount(bytes);
  const expected = BINARY_HEADER_BYTES + BINARY_TRIANGLE_BYTES * n;
  return `truncated or corrupt binary STL: the header declares ${n} triangles, which needs ${expected} bytes, but the file has ${bytes.length}`;
}

function readBinaryTriangles(bytes: Uint8Array, fail: Fail): TriangleSoup {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = declaredTriangleCount(bytes);
  const soup: TriangleSoup = new Array<number>(count * 9);
  for (let t = 0; t < count; t++) {
    // Skip the 12-byte normal; the 2-byte attribute word at the end is ignored too.
    const base = BINARY_HEADER_BYTES + t * BINARY_TRIANGLE_BYTES + 12;
    for (let k = 0; k < 9; k++) {
      const value = view.getFloat32(base + k * 4, true);
      if (!Number.isFinite(value)) {
        fail(`triangle ${t} vertex ${Math.floor(k / 3)} has a non-finite coordinate (${value})`);
      }
      soup[t * 9 + k] = value;
    }
  }
  return soup;
}

const FINITE_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Normals are ignored; some exporters write nan/inf for degenerate facets, so accept those.
const NORMAL_NUMBER = /^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity))$/i;

/** Where the ASCII parser is in the `solid/facet/outer loop/vertex/endloop/endfacet` grammar. */
type AsciiState = "beforeSolid" | "inSolid" | "inFacet" | "inLoop" | "afterLoop";

const EXPECTED: Record<AsciiState, string> = {
  beforeSolid: '"solid"',
  inSolid: '"facet normal nx ny nz" or "endsolid"',
  inFacet: '"outer loop"',
  inLoop: '"vertex x y z" or "endloop"',
  afterLoop: '"endfacet"',
};

/** What the ASCII parser carries from line to line. */
interface AsciiCursor {
  state: AsciiState;
  loopVertices: number;
  soup: TriangleSoup;
}

function readAsciiTriangles(bytes: Uint8Array, fail: Fail): TriangleSoup {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .split(/\r\n|\r|\n/);
  const cursor: AsciiCursor = { state: "beforeSolid", loopVertices: 0, soup: [] };
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].trim().split(/\s+/).filter((w) => w.length > 0);
    if (words.length > 0) readAsciiLine(cursor, words, i + 1, fail);
  }
  // A missing final "endsolid" is common and harmless; a cut-off facet is not.
  const { state } = cursor;
  if (state === "inFacet" || state === "inLoop" || state === "afterLoop") {
    fail(`unexpected end of file at line ${lines.length} inside a facet (expected ${EXPECTED[state]})`);
  }
  return cursor.soup;
}

/** Advances the grammar by one non-blank line. */
function readAsciiLine(cursor: AsciiCursor, words: string[], lineNumber: number, fail: Fail): void {
  const at = `line ${lineNumber}`;
  const keyword = words[0].toLowerCase();
  const second = words.length > 1 ? words[1].toLowerCase() : "";
  const unexpected = (): never =>
    fail(`${at}: expected ${EXPECTED[cursor.state]}, found "${truncate(words.join(" "))}"`);
  switch (cursor.state) {
    case "beforeSolid":
      if (keyword !== "solid") unexpected();
      cursor.state = "inSolid";
      return;
    case "inSolid":
      if (keyword === "endsolid") {
        cursor.state = "beforeSolid";
        return;
      }
      if (keyword !== "facet" || second !== "normal") unexpected();
      readNumbers(words.slice(2), NORMAL_NUMBER, `${at}: facet normal`, fail);
      cursor.state = "inFacet";
      return;
    case "inFacet":
      if (keyword !== "outer" || second !== "loop" || words.length !== 2) unexpected();
      cursor.state = "inLoop";
      cursor.loopVertices = 0;
      return;
    case "inLoop":
      if (keyword === "endloop") {
        if (cursor.loopVertices !== 3) fail(`${at}: facet has ${cursor.loopVertices} vertices, expected 3`);
        cursor.state = "afterLoop";
        return;
      }
      if (keyword !== "vertex") unexpected();
      if (cursor.loopVertices === 3) fail(`${at}: facet has more than 3 vertices`);
      cursor.soup.push(...readNumbers(words.slice(1), FINITE_NUMBER, `${at}: vertex`, fail));
      cursor.loopVertices++;
      return;
    case "afterLoop":
      if (keyword !== "endfacet") unexpected();
      cursor.state = "inSolid";
      return;
  }
}

function readNumbers(words: string[], pattern: RegExp, what: string, fail: Fail): number[] {
  if (words.length !== 3) fail(`${what} needs 3 numbers, found ${words.length}`);
  return words.map((word) => {
    const value = Number(word);
    if (!pattern.test(word) || (pattern === FINITE_NUMBER && !Number.isFinite(value))) {
      fail(`${what}: "${truncate(word)}" is not a finite number`);
    }
    return value;
  });
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Merges exactly equal positions so hull building and meshes see each corner once. */
function deduplicate(soup: TriangleSoup, format: "ascii" | "binary"): StlGeometry {
  const indexOf = new Map<string, number>();
  const vertices: number[] = [];
  const indices = new Uint32Array(soup.length / 3);
  for (let v = 0; v < indices.length; v++) {
    const x = soup[v * 3];
    const y = soup[v * 3 + 1];
    const z = soup[v * 3 + 2];
    const key = `${x},${y},${z}`; // -0 and 0 print alike, so they merge
    let index = indexOf.get(key);
    if (index === undefined) {
      index = vertices.length / 3;
      vertices.push(x + 0, y + 0, z + 0); // + 0 turns -0 into 0
      indexOf.set(key, index);
    }
    indices[v] = index;
  }
  return { format, triangleCount: indices.length / 3, vertices: Float64Array.from(vertices), indices };
}
