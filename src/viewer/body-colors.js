// Colours for bodies in the live viewer. Pure functions (no three.js, no DOM) so that panels and
// legends elsewhere on the page can show the same swatch as the 3D view.

/** Hue of the first body: the page's accent blue, so a one-body scene looks on-brand. */
const FIRST_HUE_DEG = 212;
/** Successive hues step by the golden angle, which keeps any prefix of the sequence well spread. */
const GOLDEN_ANGLE_DEG = 137.50776405003785;
/** Lightness alternates between two levels so that hues that land close together still differ. */
const LIGHTNESS = [0.58, 0.46];
const SATURATION = 0.68;

/** Environment bodies: neutral grey, drawn semi-transparent. */
export const ENVIRONMENT_COLOR = 0x8a939e;
export const ENVIRONMENT_OPACITY = 0.35;
/** Outline (bounding box) of the selected body. */
export const SELECTION_COLOR = 0xffd54a;

/**
 * HSL (h in degrees, s and l in [0, 1]) to a 0xRRGGBB number (sRGB).
 * @param {number} h
 * @param {number} s
 * @param {number} l
 * @returns {number}
 */
export function hslToHex(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const channel = (n) => {
    const k = (n + h / 30) % 12;
    const value = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255);
  };
  return (channel(0) << 16) | (channel(8) << 8) | channel(4);
}

/**
 * The index-th colour of the palette (0xRRGGBB, sRGB). Distinct for any reasonable number of bodies.
 * @param {number} index 0-based
 * @returns {number}
 */
export function paletteColor(index) {
  const i = Math.max(0, Math.floor(index));
  const hue = (FIRST_HUE_DEG + i * GOLDEN_ANGLE_DEG) % 360;
  return hslToHex(hue, SATURATION, LIGHTNESS[i % LIGHTNESS.length]);
}

/**
 * A 0xRRGGBB number as a CSS colour "#rrggbb".
 * @param {number} hex
 * @returns {string}
 */
export function toCss(hex) {
  return `#${hex.toString(16).padStart(6, "0")}`;
}

/**
 * Colours for a scene's bodies, as the 3D view draws them: inertial bodies take palette colours in
 * metadata order (environment bodies do not use up hues), environment bodies are grey.
 * @param {Array<{body_id: number, is_environment: boolean}>} bodies metadata.bodies
 * @returns {Map<number, number>} body_id → 0xRRGGBB
 */
export function assignBodyColors(bodies) {
  const colors = new Map();
  let next = 0;
  for (const body of bodies) {
    colors.set(body.body_id, body.is_environment ? ENVIRONMENT_COLOR : paletteColor(next++));
  }
  return colors;
}
