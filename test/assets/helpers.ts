// Test helpers for the assets suite: mesh checks, STL fixtures and a fake hull builder.

import type { HullBuilder } from "../../src/engine/assets";

export interface MeshLike {
  positions: ArrayLike<number>;
  indices: ArrayLike<number>;
}

/**
 * Problems that make a mesh not closed or not consistently oriented: every directed edge a→b
 * must occur exactly once and its reverse b→a exactly once (so each undirected edge is shared
 * by exactly 2 triangles that traverse it in opposite directions).
 */
export function edgeProblems(mesh: MeshLike): string[] {
  const directed = new Map<string, number>();
  const { indices } = mesh;
  for (let t = 0; t < indices.length; t += 3) {
    for (let k = 0; k < 3; k++) {
      const key = `${indices[t + k]}>${indices[t + ((k + 1) % 3)]}`;
      directed.set(key, (directed.get(key) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const [key, count] of directed) {
    const [a, b] = key.split(">");
    if (count !== 1) problems.push(`edge ${key} used ${count} times in the same direction`);
    if (directed.get(`${b}>${a}`) !== 1) problems.push(`edge ${key} has no single opposite edge`);
  }
  return problems;
}

/** Signed volume (positive for outward CCW triangles) and the centroid of the enclosed solid. */
export function volumeAndCentroid(mesh: MeshLike): { volume: number; centroid: [number, number, number] } {
  const p = mesh.positions;
  const idx = mesh.indices;
  let volume = 0;
  const moment = [0, 0, 0];
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3;
    const b = idx[t + 1] * 3;
    const c = idx[t + 2] * 3;
    // Tetrahedron (origin, a, b, c): volume = a · (b × c) / 6, centroid = (a + b + c) / 4.
    const v =
      (p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) -
        p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) +
        p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c])) /
      6;
    volume += v;
    for (let axis = 0; axis < 3; axis++) moment[axis] += (v * (p[a + axis] + p[b + axis] + p[c + axis])) / 4;
  }
  return { volume, centroid: [moment[0] / volume, moment[1] / volume, moment[2] / volume] };
}

export function axisRange(positions: ArrayLike<number>, axis: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = axis; i < positions.length; i += 3) {
    min = Math.min(min, positions[i]);
    max = Math.max(max, positions[i]);
  }
  return [min, max];
}

/** Unit cube [0,1]³ as 12 outward triangles (corner i has x = bit 0, y = bit 1, z = bit 2). */
export const CUBE_TRIANGLES: readonly (readonly [number, number, number])[] = [
  [0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
  [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5],
];

export function cubeCorner(i: number): [number, number, number] {
  return [i & 1 ? 1 : 0, i & 2 ? 1 : 0, i & 4 ? 1 : 0];
}

export function asciiCubeStl(name = "cube"): string {
  const lines = [`solid ${name}`];
  for (const tri of CUBE_TRIANGLES) {
    lines.push("  facet normal 0 0 0", "    outer loop");
    for (const i of tri) lines.push(`      vertex ${cubeCorner(i).join(" ")}`);
    lines.push("    endloop", "  endfacet");
  }
  lines.push(`endsolid ${name}`);
  return lines.join("\n") + "\n";
}

/** Binary STL of the unit cube; `header` fills the start of the 80-byte header. */
export function binaryCubeStl(header = "binary cube"): Uint8Array {
  const buffer = Buffer.alloc(84 + 50 * CUBE_TRIANGLES.length);
  buffer.write(header, 0, "latin1");
  buffer.writeUInt32LE(CUBE_TRIANGLES.length, 80);
  CUBE_TRIANGLES.forEach((tri, t) => {
    const base = 84 + t * 50 + 12;
    tri.forEach((corner, v) => {
      cubeCorner(corner).forEach((value, axis) => buffer.writeFloatLE(value, base + v * 12 + axis * 4));
    });
  });
  return new Uint8Array(buffer);
}

/** Stand-in for the native quickhull: echoes the points and claims a tetrahedron over the first 4. */
export const fakeHullBuilder: HullBuilder = (points) => ({
  vertices: Float64Array.from(points),
  triangles: Uint32Array.from([0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2]),
});

export const TETRAHEDRON: number[][] = [
  [0, 0, 0],
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
