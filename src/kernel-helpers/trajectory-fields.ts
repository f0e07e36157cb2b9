// Named quantities of a trajectory, per body and per frame, with their axis labels.
import type { Trajectory } from "../engine/types";

export type BodyField =
  | "x" | "y" | "z"
  | "vx" | "vy" | "vz" | "speed"
  | "wx" | "wy" | "wz" | "spin"
  | "qw" | "qx" | "qy" | "qz";

/** Whole-system quantities (one value per frame). "energy" stands for all three. */
export type SystemField = "kinetic" | "potential" | "total" | "energy";

export type PlotField = BodyField | SystemField;

const AXIS = { x: 0, y: 1, z: 2 } as const;
const QUAT = { w: 0, x: 1, y: 2, z: 3 } as const;

interface FieldSpec {
  label: string;
  value: (t: Trajectory, frame: number, body: number) => number;
}

function vectorComponent(array: "position" | "velocity" | "angularVelocity", axis: 0 | 1 | 2) {
  return (t: Trajectory, f: number, b: number) => t[array][(f * t.bodyIds.length + b) * 3 + axis];
}

function vectorNorm(array: "velocity" | "angularVelocity") {
  return (t: Trajectory, f: number, b: number) => {
    const k = (f * t.bodyIds.length + b) * 3;
    const v = t[array];
    return Math.hypot(v[k], v[k + 1], v[k + 2]);
  };
}

const BODY_FIELDS: Record<BodyField, FieldSpec> = {
  x: { label: "x (m)", value: vectorComponent("position", AXIS.x) },
  y: { label: "y (m)", value: vectorComponent("position", AXIS.y) },
  z: { label: "z (m)", value: vectorComponent("position", AXIS.z) },
  vx: { label: "vx (m/s)", value: vectorComponent("velocity", AXIS.x) },
  vy: { label: "vy (m/s)", value: vectorComponent("velocity", AXIS.y) },
  vz: { label: "vz (m/s)", value: vectorComponent("velocity", AXIS.z) },
  speed: { label: "speed (m/s)", value: vectorNorm("velocity") },
  wx: { label: "ωx (rad/s)", value: vectorComponent("angularVelocity", AXIS.x) },
  wy: { label: "ωy (rad/s)", value: vectorComponent("angularVelocity", AXIS.y) },
  wz: { label: "ωz (rad/s)", value: vectorComponent("angularVelocity", AXIS.z) },
  spin: { label: "|ω| (rad/s)", value: vectorNorm("angularVelocity") },
  qw: { label: "qw", value: (t, f, b) => t.orientation[(f * t.bodyIds.length + b) * 4 + QUAT.w] },
  qx: { label: "qx", value: (t, f, b) => t.orientation[(f * t.bodyIds.length + b) * 4 + QUAT.x] },
  qy: { label: "qy", value: (t, f, b) => t.orientation[(f * t.bodyIds.length + b) * 4 + QUAT.y] },
  qz: { label: "qz", value: (t, f, b) => t.orientation[(f * t.bodyIds.length + b) * 4 + QUAT.z] },
};

export function isBodyField(name: string): name is BodyField {
  return Object.prototype.hasOwnProperty.call(BODY_FIELDS, name);
}

export function isSystemField(name: string): name is SystemField {
  return name === "kinetic" || name === "potential" || name === "total" || name === "energy";
}

export function fieldLabel(field: PlotField): string {
  return isBodyField(field) ? BODY_FIELDS[field].label : "energy (J)";
}

/** One body's field over every frame. */
export function bodySeries(t: Trajectory, field: BodyField, body: number): Float64Array {
  const out = new Float64Array(t.frames);
  const { value } = BODY_FIELDS[field];
  for (let f = 0; f < t.frames; f++) out[f] = value(t, f, body);
  return out;
}

/** The system energies ("energy" → kinetic, potential and total), named. */
export function systemSeries(t: Trajectory, field: SystemField): { name: string; y: Float64Array }[] {
  const kinetic = t.kineticEnergy.subarray(0, t.frames);
  const potential = t.potentialEnergy.subarray(0, t.frames);
  const total = kinetic.map((k, i) => k + potential[i]);
  const all = { kinetic: { name: "kinetic", y: kinetic }, potential: { name: "potential", y: potential }, total: { name: "total", y: total } };
  return field === "energy" ? [all.kinetic, all.potential, all.total] : [all[field]];
}

/** Every field name, for error messages. */
export const FIELD_NAMES: readonly string[] = [...Object.keys(BODY_FIELDS), "kinetic", "potential", "total", "energy"];
