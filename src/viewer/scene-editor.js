// Scene editor: the object form (with inline validation), the object list (add, edit, remove)
// and the pure functions behind them. The pure functions (parseNumber, validateObject,
// fieldsToObject, objectToFields, validateProtocolObject, validateRunSettings, describeObject)
// touch no DOM, so Node tests import this module directly; only the SceneEditor class needs a page.
//
// Objects are kept exactly as they go on the wire (`configure` objects of docs/live-protocol.md):
// orientation in radians. The form shows degrees.

import { ENVIRONMENT_COLOR, paletteColor, toCss } from "./body-colors.js";

/** Protocol limits (docs/live-protocol.md). */
export const LIMITS = Object.freeze({ maxDurationS: 600, minTimestepMs: 1, maxTimestepMs: 1000, maxObjects: 1000 });

/** Form defaults (the seed's, plus orientation). */
export const DEFAULT_FIELDS = Object.freeze({
  asset_name: "",
  object_type: "inertial",
  x: "0",
  y: "0",
  z: "5",
  pitch: "0",
  roll: "0",
  yaw: "0",
  mass: "10",
  restitution: "0.8",
  friction: "0.5",
});

/** Human names of the numeric form fields, for messages. */
const LABELS = {
  x: "Position x",
  y: "Position y",
  z: "Position z",
  pitch: "Pitch",
  roll: "Roll",
  yaw: "Yaw",
  mass: "Mass",
  restitution: "Restitution",
  friction: "Friction",
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Strict number parsing for form fields: a decimal number (optionally with exponent), nothing
 * else. Empty text, "abc", "1,5", "0x10", "Infinity" → NaN. Numbers pass through (NaN/±Inf → NaN).
 * Unlike the seed (`parseFloat(v) || default`), 0 stays 0 and garbage is never silently replaced.
 * @param {string | number} value
 * @returns {number}
 */
export function parseNumber(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : NaN;
  if (typeof value !== "string") return NaN;
  const text = value.trim();
  if (!DECIMAL.test(text)) return NaN;
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

/**
 * Validates the object form.
 * @param {{asset_name?: string, object_type?: string, x?: string|number, y?: string|number, z?: string|number,
 *   pitch?: string|number, roll?: string|number, yaw?: string|number, mass?: string|number,
 *   restitution?: string|number, friction?: string|number}} fields orientation in degrees
 * @param {{assetNames?: readonly string[]}} [options] known asset names (unchecked when absent)
 * @returns {Record<string, string>} field name → message; empty when valid
 */
export function validateObject(fields, { assetNames } = {}) {
  /** @type {Record<string, string>} */
  const errors = {};
  const asset = fields.asset_name ?? "";
  if (!asset) errors.asset_name = "Choose an asset";
  else if (assetNames && !assetNames.includes(asset)) errors.asset_name = `Unknown asset '${asset}'`;
  if (fields.object_type !== "inertial" && fields.object_type !== "environment") errors.object_type = "Type must be inertial or environment";
  for (const key of ["x", "y", "z", "pitch", "roll", "yaw"]) {
    if (Number.isNaN(parseNumber(fields[key] ?? ""))) errors[key] = `${LABELS[key]} must be a number`;
  }
  if (fields.object_type !== "environment") {
    const mass = parseNumber(fields.mass ?? "");
    if (Number.isNaN(mass)) errors.mass = "Mass must be a number";
    else if (mass <= 0) errors.mass = "Mass must be greater than 0 kg";
  }
  const e = parseNumber(fields.restitution ?? "");
  if (Number.isNaN(e)) errors.restitution = "Restitution must be a number";
  else if (e < 0 || e > 1) errors.restitution = "Restitution must be between 0 and 1";
  const mu = parseNumber(fields.friction ?? "");
  if (Number.isNaN(mu)) errors.friction = "Friction must be a number";
  else if (mu < 0) errors.friction = "Friction must be 0 or more";
  return errors;
}

/**
 * Converts valid form fields to a `configure` object (degrees → radians). Environment objects
 * carry no mass. Call validateObject first.
 * @param {Record<string, string|number>} fields
 * @returns {{asset_name: string, position: number[], orientation: number[], object_type: string, mass?: number, restitution: number, friction: number}}
 */
export function fieldsToObject(fields) {
  const n = (k) => parseNumber(fields[k]) + 0; // + 0: -0 → 0
  const rad = (k) => Math.round(((n(k) * Math.PI) / 180) * 1e12) / 1e12 + 0;
  const object = {
    asset_name: String(fields.asset_name),
    position: [n("x"), n("y"), n("z")],
    orientation: [rad("pitch"), rad("roll"), rad("yaw")],
    object_type: String(fields.object_type),
  };
  if (object.object_type === "inertial") object.mass = n("mass");
  object.restitution = n("restitution");
  object.friction = n("friction");
  return object;
}

/**
 * Shortest readable text for a number: at most `digits` decimals, no trailing zeros, no "-0".
 * @param {number} value
 * @param {number} [digits]
 */
export function formatNumber(value, digits = 6) {
  if (!Number.isFinite(value)) return "–";
  const s = String(Number(value.toFixed(digits)));
  return s === "-0" ? "0" : s;
}

/**
 * The form fields (strings, orientation in degrees) showing a `configure` object.
 * @param {{asset_name: string, position: number[], orientation?: number[], object_type: string, mass?: number, restitution?: number, friction?: number}} object
 * @returns {Record<string, string>}
 */
export function objectToFields(object) {
  const o = object.orientation ?? [0, 0, 0];
  const degrees = (r) => formatNumber((r * 180) / Math.PI, 4);
  const environment = object.object_type === "environment";
  return {
    asset_name: object.asset_name,
    object_type: object.object_type,
    x: formatNumber(object.position[0]),
    y: formatNumber(object.position[1]),
    z: formatNumber(object.position[2]),
    pitch: degrees(o[0]),
    roll: degrees(o[1]),
    yaw: degrees(o[2]),
    mass: formatNumber(object.mass ?? 10),
    restitution: formatNumber(object.restitution ?? (environment ? 0.5 : 0.8)),
    friction: formatNumber(object.friction ?? 0.5),
  };
}

const WIRE_FIELDS = new Set(["asset_name", "position", "orientation", "object_type", "mass", "restitution", "friction"]);

/**
 * Checks a `configure` object against the protocol's rules (what the server would accept).
 * @param {any} object
 * @param {readonly string[]} [assetNames] known asset names (unchecked when absent)
 * @returns {string[]} problems; empty when valid
 */
export function validateProtocolObject(object, assetNames) {
  const problems = [];
  if (object === null || typeof object !== "object") return ["not an object"];
  for (const key of Object.keys(object)) if (!WIRE_FIELDS.has(key)) problems.push(`unknown field '${key}'`);
  if (typeof object.asset_name !== "string" || !object.asset_name) problems.push("asset_name must be a non-empty string");
  else if (assetNames && !assetNames.includes(object.asset_name)) problems.push(`unknown asset '${object.asset_name}'`);
  const vec = (v) => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && Number.isFinite(x));
  if (!vec(object.position)) problems.push("position must be 3 finite numbers");
  if (object.orientation !== undefined && !vec(object.orientation)) problems.push("orientation must be 3 finite numbers");
  if (object.object_type !== "inertial" && object.object_type !== "environment") problems.push("object_type must be 'inertial' or 'environment'");
  const num = (v) => typeof v === "number" && Number.isFinite(v);
  if (object.mass !== undefined && !(num(object.mass) && object.mass > 0)) problems.push("mass must be > 0");
  if (object.restitution !== undefined && !(num(object.restitution) && object.restitution >= 0 && object.restitution <= 1)) problems.push("restitution must be in [0, 1]");
  if (object.friction !== undefined && !(num(object.friction) && object.friction >= 0)) problems.push("friction must be ≥ 0");
  return problems;
}

/**
 * Validates the simulation settings before Start.
 * @param {{timestepMs: string|number, durationS: string|number, objectCount: number, maxObjects?: number}} settings
 * @returns {Record<string, string>} "timestep" | "duration" | "objects" → message; empty when valid
 */
export function validateRunSettings({ timestepMs, durationS, objectCount, maxObjects = LIMITS.maxObjects }) {
  /** @type {Record<string, string>} */
  const errors = {};
  const dt = parseNumber(timestepMs);
  if (Number.isNaN(dt)) errors.timestep = "Timestep must be a number";
  else if (dt < LIMITS.minTimestepMs || dt > LIMITS.maxTimestepMs) errors.timestep = `Timestep must be between ${LIMITS.minTimestepMs} and ${LIMITS.maxTimestepMs} ms`;
  const d = parseNumber(durationS);
  if (Number.isNaN(d)) errors.duration = "Duration must be a number";
  else if (d <= 0 || d > LIMITS.maxDurationS) errors.duration = `Duration must be more than 0 and at most ${LIMITS.maxDurationS} s`;
  if (objectCount < 1) errors.objects = "Add at least one object (or choose a preset)";
  else if (objectCount > maxObjects) errors.objects = `At most ${maxObjects} objects`;
  return errors;
}

/**
 * Text for an object-list entry.
 * @param {{asset_name: string, position: number[], orientation?: number[], object_type: string, mass?: number, restitution?: number, friction?: number}} object
 * @returns {{title: string, detail: string}}
 */
export function describeObject(object) {
  const f = objectToFields(object);
  const p = `(${f.x}, ${f.y}, ${f.z}) m`;
  const rotated = [f.pitch, f.roll, f.yaw].some((v) => v !== "0");
  const rot = rotated ? ` · ${f.pitch}°, ${f.roll}°, ${f.yaw}°` : "";
  const physics = object.object_type === "environment" ? `e ${f.restitution} · μ ${f.friction}` : `${f.mass} kg · e ${f.restitution} · μ ${f.friction}`;
  return { title: object.asset_name, detail: `${p}${rot} · ${physics}` };
}

// ---------------------------------------------------------------------------------------------
// DOM

const FIELD_NAMES = ["asset_name", "object_type", "x", "y", "z", "pitch", "roll", "yaw", "mass", "restitution", "friction"];
/** Which error slot (row) shows each field's message. */
const ERROR_SLOT = { asset_name: "asset", object_type: "asset", x: "position", y: "position", z: "position", pitch: "orientation", roll: "orientation", yaw: "orientation", mass: "physics", restitution: "physics", friction: "physics" };

/**
 * Renders messages into an error slot: one `[data-testid=form-error]` element per message, none
 * when there is nothing to say (so tests and screen readers see only real errors).
 * @param {HTMLElement} slot
 * @param {{field: string, message: string}[]} messages
 */
export function renderErrors(slot, messages) {
  slot.replaceChildren(
    ...messages.map(({ field, message }) => {
      const el = slot.ownerDocument.createElement("div");
      el.className = "form-error";
      el.dataset.testid = "form-error";
      el.dataset.field = field;
      el.setAttribute("role", "alert");
      el.textContent = message;
      return el;
    }),
  );
}

/**
 * The object form and object list.
 *
 * Elements are found by data-testid / data-role inside `root`. Events: `onChange(objects)` after
 * any change of the list (add, update, remove, replace).
 */
export class SceneEditor {
  /**
   * @param {HTMLElement} root element containing the form and the list
   * @param {{onChange?: (objects: object[]) => void, onUserEdit?: () => void}} [callbacks]
   *   onUserEdit: the user changed the list by hand (not via setObjects)
   */
  constructor(root, { onChange = () => {}, onUserEdit = () => {} } = {}) {
    this.root = root;
    this.onChange = onChange;
    this.onUserEdit = onUserEdit;
    /** @type {object[]} */
    this.objects = [];
    /** @type {string[]} */
    this.assetNames = [];
    /** index of the object loaded into the form for editing, or -1 */
    this.editing = -1;
    this.locked = false;
    /** fields the user has touched since the last add (errors show only for those, or after a submit) */
    this.touched = new Set();
    this.submitted = false;

    const q = (sel) => /** @type {HTMLElement} */ (root.querySelector(sel));
    this.form = /** @type {HTMLFormElement} */ (q("[data-role=object-form]"));
    this.fieldset = /** @type {HTMLFieldSetElement} */ (q("[data-role=editor-fieldset]"));
    this.inputs = {
      asset_name: /** @type {HTMLSelectElement} */ (q("[data-testid=asset-select]")),
      object_type: /** @type {HTMLSelectElement} */ (q("[data-testid=object-type]")),
      x: q("[data-testid=pos-x]"),
      y: q("[data-testid=pos-y]"),
      z: q("[data-testid=pos-z]"),
      pitch: q("[data-testid=rot-pitch]"),
      roll: q("[data-testid=rot-roll]"),
      yaw: q("[data-testid=rot-yaw]"),
      mass: q("[data-testid=mass]"),
      restitution: q("[data-testid=restitution]"),
      friction: q("[data-testid=friction]"),
    };
    this.massField = q("[data-role=mass-field]");
    this.addButton = /** @type {HTMLButtonElement} */ (q("[data-testid=add-object]"));
    this.updateButton = /** @type {HTMLButtonElement} */ (q("[data-testid=update-object]"));
    this.cancelButton = /** @type {HTMLButtonElement} */ (q("[data-testid=cancel-edit]"));
    this.title = q("[data-role=editor-title]");
    this.list = q("[data-testid=object-list]");
    this.emptyHint = q("[data-role=objects-empty]");
    this.count = q("[data-role=objects-count]");
    this.clearButton = /** @type {HTMLButtonElement} */ (q("[data-testid=clear-objects]"));
    this.errorSlots = {};
    for (const slot of root.querySelectorAll("[data-error-slot]")) this.errorSlots[/** @type {HTMLElement} */ (slot).dataset.errorSlot] = slot;

    this.setFields(DEFAULT_FIELDS);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.editing >= 0) this.update();
      else this.add();
    });
    // Enter in a field submits: "Update" in edit mode, else "Add". The buttons are explicit.
    this.addButton.addEventListener("click", () => this.add());
    this.updateButton.addEventListener("click", () => this.update());
    this.cancelButton.addEventListener("click", () => this.cancelEdit());
    this.clearButton.addEventListener("click", () => {
      if (this.locked || this.objects.length === 0) return;
      this.objects = [];
      this.cancelEdit();
      this.changed(true);
    });
    for (const [name, input] of Object.entries(this.inputs)) {
      const handler = () => {
        this.touched.add(name);
        if (name === "object_type") this.syncTypeFields();
        this.showErrors();
      };
      input.addEventListener("input", handler);
      input.addEventListener("change", handler);
    }
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("keydown", (event) => {
      const item = /** @type {HTMLElement} */ (event.target).closest?.("[data-testid=object-item]");
      if (item && (event.key === "Enter" || event.key === " ") && event.target === item) {
        event.preventDefault();
        this.edit(Number(item.dataset.index));
      }
    });
    this.render();
  }

  /**
   * Fills the asset dropdown, keeping the current choice when it still exists.
   * @param {{asset_id: number, name: string}[]} assets
   */
  setAssets(assets) {
    const select = this.inputs.asset_name;
    const previous = select.value;
    this.assetNames = assets.map((a) => a.name);
    const doc = select.ownerDocument;
    if (assets.length === 0) {
      const option = doc.createElement("option");
      option.value = "";
      option.textContent = "No assets available";
      select.replaceChildren(option);
    } else {
      select.replaceChildren(
        ...assets.map((a) => {
          const option = doc.createElement("option");
          option.value = a.name;
          option.textContent = a.name;
          return option;
        }),
      );
      select.value = this.assetNames.includes(previous) ? previous : this.assetNames.includes("cube") ? "cube" : this.assetNames[0];
    }
    this.showErrors();
  }

  /** Shows a placeholder in the asset dropdown (loading, failed). @param {string} text */
  setAssetPlaceholder(text) {
    const option = this.inputs.asset_name.ownerDocument.createElement("option");
    option.value = "";
    option.textContent = text;
    this.inputs.asset_name.replaceChildren(option);
    this.assetNames = [];
  }

  /** @returns {Record<string, string>} the form's current values */
  getFields() {
    /** @type {Record<string, string>} */
    const fields = {};
    for (const name of FIELD_NAMES) fields[name] = /** @type {HTMLInputElement} */ (this.inputs[name]).value;
    return fields;
  }

  /** @param {Record<string, string>} fields */
  setFields(fields) {
    for (const name of FIELD_NAMES) {
      if (fields[name] === undefined) continue;
      if (name === "asset_name" && fields[name] === "") continue;
      /** @type {HTMLInputElement} */ (this.inputs[name]).value = String(fields[name]);
    }
    this.syncTypeFields();
  }

  /** Mass is meaningless for environment bodies: disable and hide it. */
  syncTypeFields() {
    const environment = this.inputs.object_type.value === "environment";
    /** @type {HTMLInputElement} */ (this.inputs.mass).disabled = environment;
    this.massField.classList.toggle("is-disabled", environment);
    this.massField.hidden = environment;
  }

  /** Current form errors, restricted to touched fields unless the user tried to submit. */
  currentErrors(all = this.submitted) {
    const errors = validateObject(this.getFields(), { assetNames: this.assetNames.length ? this.assetNames : undefined });
    if (all) return errors;
    return Object.fromEntries(Object.entries(errors).filter(([field]) => this.touched.has(field)));
  }

  showErrors(all = this.submitted) {
    const errors = this.currentErrors(all);
    for (const [name, input] of Object.entries(this.inputs)) input.toggleAttribute("aria-invalid", name in errors);
    /** @type {Record<string, {field: string, message: string}[]>} */
    const bySlot = {};
    for (const [field, message] of Object.entries(errors)) (bySlot[ERROR_SLOT[field]] ??= []).push({ field, message });
    for (const [slot, el] of Object.entries(this.errorSlots)) renderErrors(el, bySlot[slot] ?? []);
    return errors;
  }

  /** Validates the form; on success returns the wire object, else shows the errors. */
  readObject() {
    this.submitted = true;
    const errors = this.showErrors(true);
    if (Object.keys(errors).length > 0) {
      const first = Object.keys(errors)[0];
      /** @type {HTMLElement} */ (this.inputs[first]).focus();
      return null;
    }
    return fieldsToObject(this.getFields());
  }

  /** Adds the form's object to the list. @returns {boolean} whether it was added */
  add() {
    if (this.locked) return false;
    if (this.objects.length >= LIMITS.maxObjects) {
      renderErrors(this.errorSlots.actions, [{ field: "objects", message: `At most ${LIMITS.maxObjects} objects` }]);
      return false;
    }
    const object = this.readObject();
    if (!object) return false;
    this.objects.push(object);
    this.resetValidation();
    this.cancelEdit();
    this.changed(true);
    // Scroll the new entry into view.
    this.list.lastElementChild?.scrollIntoView({ block: "nearest" });
    return true;
  }

  /** Replaces the object being edited with the form's values. */
  update() {
    if (this.locked || this.editing < 0) return false;
    const object = this.readObject();
    if (!object) return false;
    this.objects[this.editing] = object;
    this.resetValidation();
    this.cancelEdit();
    this.changed(true);
    return true;
  }

  /** Loads object `index` into the form for editing. @param {number} index */
  edit(index) {
    if (this.locked || !(index >= 0 && index < this.objects.length)) return;
    this.editing = index;
    this.resetValidation();
    this.setFields(objectToFields(this.objects[index]));
    this.showErrors(true);
    this.render();
    this.inputs.x.focus();
  }

  /** Leaves edit mode (the form keeps its values, handy for adding similar objects). */
  cancelEdit() {
    if (this.editing < 0) return;
    this.editing = -1;
    this.render();
  }

  /** Removes object `index`. @param {number} index */
  remove(index) {
    if (this.locked || !(index >= 0 && index < this.objects.length)) return;
    this.objects.splice(index, 1);
    if (this.editing === index) this.editing = -1;
    else if (this.editing > index) this.editing -= 1;
    this.changed(true);
  }

  /**
   * Replaces the whole list (presets).
   * @param {object[]} objects
   */
  setObjects(objects) {
    this.objects = objects.map((o) => structuredClone(o));
    this.editing = -1;
    this.resetValidation();
    this.changed(false);
  }

  resetValidation() {
    this.touched.clear();
    this.submitted = false;
    this.showErrors(false);
  }

  /** Disables editing while a simulation runs. @param {boolean} locked */
  setLocked(locked) {
    this.locked = locked;
    this.fieldset.disabled = locked;
    this.clearButton.disabled = locked || this.objects.length === 0;
    this.root.classList.toggle("is-locked", locked);
    this.render();
  }

  changed(byUser) {
    this.render();
    this.onChange(this.objects);
    if (byUser) this.onUserEdit();
  }

  /** @param {MouseEvent} event */
  onListClick(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    const item = /** @type {HTMLElement | null} */ (target.closest("[data-testid=object-item]"));
    if (!item) return;
    const index = Number(item.dataset.index);
    if (target.closest("[data-testid=remove-object]")) {
      event.stopPropagation();
      this.remove(index);
    } else {
      this.edit(index);
    }
  }

  /** Redraws the list, counters and edit-mode buttons. */
  render() {
    const doc = this.list.ownerDocument;
    let colorIndex = 0; // the 3D view colours inertial bodies in configure order (body-colors.js)
    const items = this.objects.map((object, index) => {
      const { title, detail } = describeObject(object);
      const li = doc.createElement("li");
      li.className = "object-item";
      li.dataset.testid = "object-item";
      li.dataset.index = String(index);
      li.dataset.type = object.object_type;
      li.tabIndex = this.locked ? -1 : 0;
      li.title = this.locked ? "" : "Click to edit";
      if (index === this.editing) li.classList.add("is-editing");
      const badge = doc.createElement("span");
      badge.className = `type-badge ${object.object_type}`;
      badge.textContent = object.object_type === "environment" ? "env" : "dyn";
      badge.title = object.object_type;
      const swatch = doc.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = toCss(object.object_type === "environment" ? ENVIRONMENT_COLOR : paletteColor(colorIndex++));
      const text = doc.createElement("div");
      text.className = "object-text";
      const name = doc.createElement("div");
      name.className = "object-title";
      const index1 = doc.createElement("span");
      index1.className = "object-index";
      index1.textContent = `#${index + 1}`;
      name.append(index1, doc.createTextNode(` ${title}`));
      const info = doc.createElement("div");
      info.className = "object-detail";
      info.textContent = detail;
      text.append(name, info);
      const remove = doc.createElement("button");
      remove.type = "button";
      remove.className = "icon-button remove";
      remove.dataset.testid = "remove-object";
      remove.title = "Remove";
      remove.setAttribute("aria-label", `Remove object ${index + 1} (${title})`);
      remove.textContent = "×";
      remove.disabled = this.locked;
      li.append(swatch, text, badge, remove);
      return li;
    });
    this.list.replaceChildren(...items);
    this.emptyHint.hidden = this.objects.length > 0;
    this.count.textContent = String(this.objects.length);
    this.clearButton.disabled = this.locked || this.objects.length === 0;
    const editing = this.editing >= 0;
    this.updateButton.hidden = !editing;
    this.cancelButton.hidden = !editing;
    this.addButton.textContent = editing ? "Add new" : "Add object";
    this.addButton.classList.toggle("primary", !editing);
    this.addButton.classList.toggle("secondary", editing);
    this.title.textContent = editing ? `Edit object #${this.editing + 1}` : "Add object";
    this.root.classList.toggle("is-editing", editing);
  }
}
