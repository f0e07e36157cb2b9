// Structural checks of the caller's vectors and numbers. Values (finite, ranges) are checked by the
// engine itself, which names the field too; here we only make sure the shape is right.

/** `[x, y, z]` → Float64Array(3). Throws `position must be an array of 3 numbers (got …)`. */
export function vec3(value: unknown, field: string): Float64Array {
  if (!isArrayLike(value) || value.length !== 3) {
    throw new Error(`${field} must be an array of 3 numbers (got ${describe(value)})`);
  }
  const out = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    const x: unknown = value[i];
    if (typeof x !== "number") throw new Error(`${field}[${i}] must be a number (got ${describe(x)})`);
    out[i] = x;
  }
  return out;
}

/** A number option: must be a number when given. */
export function numberOption(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new Error(`${field} must be a number (got ${describe(value)})`);
  return value;
}

export function requirePositiveFinite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${field} must be a positive finite number (got ${describe(value)})`);
  }
  return value;
}

export function requireFiniteNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${field} must be a finite number (got ${describe(value)})`);
  }
  return value;
}

export function requireInteger(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Error(`${field} must be an integer >= ${min} (got ${describe(value)})`);
  }
  return value;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (Array.isArray(value) || ArrayBuffer.isView(value)) && typeof (value as ArrayLike<unknown>).length === "number";
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}
