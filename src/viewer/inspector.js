// The selected body's panel: static facts from `metadata` (mass, restitution, friction, type)
// and live values from the latest frame (position, velocity, speed, ω). The app calls refresh()
// about 10 times a second, not per frame.

import { formatNumber } from "./scene-editor.js";

/**
 * @param {{x: number, y: number, z: number} | undefined} v
 * @param {number} [digits]
 */
export function formatVector(v, digits = 3) {
  if (!v) return "–";
  return `${fixed(v.x, digits)}, ${fixed(v.y, digits)}, ${fixed(v.z, digits)}`;
}

/** Fixed decimals without "-0.000". @param {number} x @param {number} digits */
function fixed(x, digits) {
  if (!Number.isFinite(x)) return "–";
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** |v| @param {{x: number, y: number, z: number}} v */
export function magnitude(v) {
  return Math.hypot(v.x, v.y, v.z);
}

const ROWS = [
  ["type", "Type", ""],
  ["position", "Position", "m"],
  ["velocity", "Velocity", "m/s"],
  ["speed", "Speed", "m/s"],
  ["omega", "ω", "rad/s"],
  ["spin", "|ω|", "rad/s"],
  ["mass", "Mass", "kg"],
  ["restitution", "Restitution", ""],
  ["friction", "Friction", ""],
];

/** The inspector panel. */
export class Inspector {
  /**
   * @param {HTMLElement} panel the `[data-testid=inspector]` element
   * @param {{onClose?: () => void}} [callbacks] onClose: the user cleared the selection in the panel
   */
  constructor(panel, { onClose = () => {} } = {}) {
    this.panel = panel;
    this.body = /** @type {HTMLElement} */ (panel.querySelector("[data-role=inspector-body]"));
    this.title = /** @type {HTMLElement} */ (panel.querySelector("[data-role=inspector-title]"));
    this.clearButton = /** @type {HTMLButtonElement} */ (panel.querySelector("[data-role=inspector-clear]"));
    this.clearButton.addEventListener("click", () => onClose());
    /** @type {Map<number, any>} */
    this.bodies = new Map();
    /** @type {number | null} */
    this.selected = null;
    const doc = panel.ownerDocument;
    this.hint = doc.createElement("p");
    this.hint.className = "panel-hint";
    this.table = doc.createElement("dl");
    this.table.className = "props";
    /** @type {Record<string, HTMLElement>} */
    this.cells = {};
    for (const [key, label, unit] of ROWS) {
      const dt = doc.createElement("dt");
      dt.textContent = label;
      const dd = doc.createElement("dd");
      dd.dataset.field = key;
      const value = doc.createElement("span");
      value.className = "value";
      dd.append(value);
      if (unit) {
        const u = doc.createElement("span");
        u.className = "unit";
        u.textContent = unit;
        dd.append(u);
      }
      this.cells[key] = value;
      this.table.append(dt, dd);
    }
    this.body.replaceChildren(this.hint, this.table);
    this.render();
  }

  /** New run: remember the bodies' static facts. @param {{bodies: any[]}} metadata */
  setMetadata(metadata) {
    this.bodies = new Map(metadata.bodies.map((b) => [b.body_id, b]));
    if (this.selected !== null && !this.bodies.has(this.selected)) this.selected = null;
    this.render();
  }

  /** @param {number | null} bodyId */
  select(bodyId) {
    this.selected = bodyId;
    this.render();
  }

  /** Static part: title, type, material. */
  render() {
    const info = this.selected === null ? undefined : this.bodies.get(this.selected);
    this.panel.classList.toggle("has-selection", Boolean(info));
    this.clearButton.hidden = !info;
    if (!info) {
      this.title.textContent = "Inspector";
      this.hint.textContent = this.bodies.size ? "Click a body in the view to inspect it." : "Start a simulation, then click a body to inspect it.";
      this.hint.hidden = false;
      this.table.hidden = true;
      return;
    }
    this.title.textContent = `Body ${info.body_id} · ${info.asset_name}`;
    this.hint.hidden = true;
    this.table.hidden = false;
    this.cells.type.textContent = info.is_environment ? "Environment (static)" : "Inertial";
    this.cells.mass.textContent = info.is_environment ? "static" : formatNumber(info.mass, 4);
    this.cells.mass.parentElement?.classList.toggle("no-unit", Boolean(info.is_environment));
    this.cells.restitution.textContent = formatNumber(info.restitution, 3);
    this.cells.friction.textContent = formatNumber(info.friction, 3);
    for (const key of ["position", "velocity", "speed", "omega", "spin"]) this.cells[key].textContent = "–";
  }

  /**
   * Live part, from the latest frame.
   * @param {{states: any[]} | null | undefined} frame
   */
  refresh(frame) {
    if (this.selected === null || !frame) return;
    const state = frame.states.find((s) => s.body_id === this.selected);
    if (!state) return;
    this.cells.position.textContent = formatVector(state.position);
    this.cells.velocity.textContent = formatVector(state.velocity);
    this.cells.speed.textContent = fixed(magnitude(state.velocity), 3);
    this.cells.omega.textContent = formatVector(state.angular_velocity);
    this.cells.spin.textContent = fixed(magnitude(state.angular_velocity), 3);
  }
}
