// Point lists given by users (flat xyz or [x, y, z] triples), checked with errors that name the index.

/** Flat xyz or [x, y, z] triples → Float64Array, with errors that name the offending index. */
export function flattenPoints(points: ArrayLike<number> | readonly (readonly number[])[]): Float64Array {
  if (points === null || typeof points !== "object" || typeof points.length !== "number") {
    throw new Error("points must be an array of numbers or of [x, y, z] triples");
  }
  const nested = points.length > 0 && Array.isArray(points[0]);
  const flat: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const item: unknown = points[i];
    if (nested) {
      if (!Array.isArray(item) || item.length !== 3) throw new Error(`points[${i}] must be [x, y, z]`);
      item.forEach((value: unknown, axis) => flat.push(checkFinite(value, `points[${i}][${axis}]`)));
    } else {
      flat.push(checkFinite(item, `points[${i}]`));
    }
  }
  if (!nested && flat.length % 3 !== 0) {
    throw new Error(`points has ${flat.length} numbers, which is not a multiple of 3 (flat x, y, z)`);
  }
  if (flat.length < 12) throw new Error(`a convex asset needs at least 4 points, got ${flat.length / 3}`);
  return Float64Array.from(flat);
}

export function checkFinite(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`${where} is not a finite number`);
  return value;
}

