// The live viewer's 3D view: one mesh per body of the protocol's metadata, poses interpolated from
// the frame stream (frame-interpolator.js) or set frame by frame (showFrame, for players), Z up,
// lit with shadows, orbit controls, click-to-select and contact overlays. The page's app code owns
// the WebSocket and the panels; it drives this view through the small public API below and nothing
// else.
//
// Also used outside the live page (notebook-player.js, inline in notebook outputs and reports), so
// this module and everything it imports use only static imports of "three", "three/addons/…" and
// "./name.js", and no page CSS.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { mergeVertices } from "three/addons/utils/BufferGeometryUtils.js";
import { FrameInterpolator, posesOf } from "./frame-interpolator.js";
import { assignBodyColors, ENVIRONMENT_COLOR, ENVIRONMENT_OPACITY, SELECTION_COLOR } from "./body-colors.js";

/**
 * The protocol's metadata message (docs/live-protocol.md).
 * @typedef {{body_id: number, asset_id: number, asset_name?: string, mass?: number, restitution?: number,
 *   friction?: number, is_environment: boolean}} BodyInfo
 * @typedef {{asset_id: number, name?: string, positions: number[], vertex_count?: number}} AssetInfo
 * @typedef {{bodies: BodyInfo[], assets: AssetInfo[]}} SceneMetadata
 */
/**
 * The protocol's frame.data.
 * @typedef {{x: number, y: number, z: number}} Vec3Msg
 * @typedef {{w: number, x: number, y: number, z: number}} QuatMsg
 * @typedef {{body_a_id: number, body_b_id: number, normal: Vec3Msg, penetration_depth?: number,
 *   contacts: Array<{point_a: Vec3Msg, point_b: Vec3Msg, depth?: number}>}} Collision
 * @typedef {{frame_id: number, simulation_time: number,
 *   states: Array<{body_id: number, position: Vec3Msg, orientation: QuatMsg}>,
 *   collisions?: Collision[], solver?: object}} FrameData
 */
/** @typedef {{position: Vec3Msg, orientation: QuatMsg}} DisplayedState */
/** @typedef {{contacts?: boolean, normals?: boolean}} OverlayFlags */

const BACKGROUND = 0x15171a;
/** Environment bodies bigger than this (the 100 m `plane`) are ground, not something to frame. */
const LARGE_ENVIRONMENT_M = 50;
/** Faces meeting at more than this are drawn with a hard edge (and an edge line); below, smooth. */
const CREASE_ANGLE_DEG = 40;
const CONTACT_RADIUS_M = 0.03;
const NORMAL_LENGTH_M = 0.3;
const CONTACT_COLOR = 0xff3355;
const NORMAL_COLOR = 0x4dd2ff;
/**
 * Draw order among transparent objects. Grid, axes and overlays lie on the ground's surface; they
 * are drawn after the see-through environment bodies (which write no depth) rather than lifted a
 * little above the ground, an offset that depth precision cannot resolve from afar. They are still
 * depth-tested against the opaque bodies, so bodies hide them correctly.
 */
const ORDER = { grid: 1, axes: 2, overlay: 3, xray: 10 };
/** A pointer that moved more than this between down and up was an orbit/pan drag, not a click. */
const CLICK_SLOP_PX = 5;
/** From the target towards the camera when framing: in front (−y), to the right (+x), above. */
const VIEW_DIRECTION = new THREE.Vector3(1, -1.35, 0.8).normalize();
/** Towards the sun: high, so shadows fall close to the bodies that cast them. */
const SUN_DIRECTION = new THREE.Vector3(0.45, -0.3, 1).normalize();
const SHADOW_MAP_SIZE = 2048;
/** Shadow fit and grid are re-checked against the moving bodies every this many rendered frames. */
const REFIT_EVERY_FRAMES = 10;
/** How often parked elements (see whenAttached) are checked for being in the document again, ms. */
const PARK_POLL_MS = 250;
/** A parked waiter's release() runs once its element has been out of the document this long, ms. */
export const RELEASE_DETACHED_AFTER_MS = 60_000;
/**
 * Live views (WebGL contexts) beyond which a new SceneView first has parked waiters released,
 * oldest first. Chromium keeps at most 16 WebGL contexts per page and, past that, drops the least
 * recently drawn one, which may well be a visible player that is paused.
 */
const LIVE_VIEW_BUDGET = 8;
/** SceneViews constructed and not yet disposed (each holds a WebGL context). */
let liveViews = 0;

export class SceneView {
  /** @type {HTMLElement} */ #container;
  /** @type {THREE.WebGLRenderer} */ #renderer;
  /** @type {THREE.Scene} */ #scene;
  /** @type {THREE.PerspectiveCamera} */ #camera;
  /** @type {OrbitControls} */ #controls;
  /** @type {THREE.DirectionalLight} */ #sun;
  /** @type {THREE.LineSegments | null} */ #grid = null;
  /** @type {THREE.Group} bodies live here, so that clear() never touches lights and helpers */
  #bodyGroup = new THREE.Group();
  /** @type {Map<number, {mesh: THREE.Mesh, info: BodyInfo, large: boolean}>} */
  #bodies = new Map();
  /** @type {Map<number, {geometry: THREE.BufferGeometry, edges: THREE.EdgesGeometry | null}>} */
  #assets = new Map();
  /** @type {THREE.LineBasicMaterial} shared by every body's edge lines */
  #edgeMaterial = new THREE.LineBasicMaterial({ color: 0x000000, transparent: true, opacity: 0.35 });
  #interpolator = new FrameInterpolator();
  /**
   * The frame set by showFrame(): while set, it is drawn as is instead of the interpolator's poses,
   * until pushFrame(), clear() or setScene().
   * @type {{data: FrameData, poses: Map<number, {position: number[], orientation: number[]}>} | null}
   */
  #manual = null;
  /** In manual mode: something changed since the last render (a new frame, the camera, the size…). */
  #dirty = true;
  /** @type {Map<number, {position: number[], orientation: number[]}> | null} poses drawn last */
  #poses = null;
  /** @type {ContactOverlay} */ #overlay;
  /** @type {FrameData | null} the frame the overlay shows */
  #overlayFrame = null;
  #overlayDirty = true;
  /** @type {number | null} */ #selectedId = null;
  /** @type {THREE.BoxHelper | null} */ #selectionBox = null;
  /** @type {Set<(bodyId: number | null) => void>} */ #selectListeners = new Set();
  #needsFraming = false;
  /** radius of the framed scene, m: scales fog, shadow fit and clipping planes */
  #sceneRadius = 5;
  /** @type {THREE.Sphere} region the shadow camera currently covers */
  #shadowSphere = new THREE.Sphere(new THREE.Vector3(), 0);
  #frameCount = 0;
  #fps = 0;
  #fpsWindow = { start: 0, frames: 0 };
  #rafId = 0;
  #disposed = false;
  /** @type {(() => void) | null} while detached: stops waiting for the container to be attached again */
  #unpark = null;
  /** @type {Node} where OrbitControls put its document-wide key listener (the canvas's root node then) */
  #keyRoot;
  /** @type {ResizeObserver} */ #resizeObserver;
  /** @type {{x: number, y: number} | null} */ #pointerDown = null;

  /**
   * Appends a canvas that fills `container` and starts rendering. While the container is out of
   * the document the view draws nothing and schedules no frames; it starts again by itself once
   * the container is attached again (see whenAttached).
   * @param {HTMLElement} container
   */
  constructor(container) {
    // Too many WebGL contexts: free those of detached players first (see LIVE_VIEW_BUDGET).
    while (liveViews >= LIVE_VIEW_BUDGET && releaseOldestParked());
    this.#container = container;
    this.#renderer = createRenderer(container);
    liveViews++;
    this.#scene = new THREE.Scene();
    this.#scene.background = new THREE.Color(BACKGROUND);
    this.#scene.fog = new THREE.Fog(BACKGROUND, 50, 200);
    this.#camera = new THREE.PerspectiveCamera(45, 1, 0.05, 1000);
    this.#camera.up.set(0, 0, 1);
    this.#keyRoot = this.#renderer.domElement.getRootNode();
    this.#controls = new OrbitControls(this.#camera, this.#renderer.domElement);
    this.#controls.enableDamping = true;
    this.#controls.dampingFactor = 0.08;
    this.#controls.screenSpacePanning = true;
    // user input moves the camera inside event handlers too: render the result (manual mode)
    this.#controls.addEventListener("change", () => {
      this.#dirty = true;
    });
    this.#sun = this.#addLights();
    this.#setGrid(0, 20);
    const axes = new THREE.AxesHelper(1);
    drawOverGround(axes, ORDER.axes);
    this.#scene.add(axes, this.#bodyGroup);
    this.#overlay = new ContactOverlay(this.#scene);
    this.resetCamera();
    this.#listenForClicks();
    this.#resizeObserver = new ResizeObserver(() => {
      this.#resize();
      // attached again (its size changed from none): resume now rather than at the next poll
      if (this.#unpark && this.#container.isConnected) checkParked();
    });
    this.#resizeObserver.observe(container);
    this.#resize();
    this.#rafId = requestAnimationFrame(this.#tick);
  }

  /**
   * Replaces the scene: one mesh per body (geometry shared per asset). The camera is framed on the
   * bodies once the first frame places them. A selected body that exists in the new scene stays
   * selected; otherwise the selection is dropped and onSelect listeners get null.
   * @param {SceneMetadata} metadata
   */
  setScene(metadata) {
    const keepSelection = this.#selectedId !== null &&
      metadata.bodies.some((b) => b.body_id === this.#selectedId);
    const selected = this.#selectedId;
    this.#removeBodies(!keepSelection);
    for (const asset of metadata.assets) this.#assets.set(asset.asset_id, buildAsset(asset.positions));
    const colors = assignBodyColors(metadata.bodies);
    for (const info of metadata.bodies) this.#addBody(info, colors.get(info.body_id) ?? ENVIRONMENT_COLOR);
    this.#needsFraming = true;
    if (keepSelection) this.select(selected);
  }

  /**
   * Buffers a frame for interpolation. Call it as frames arrive (arrival times drive the timeline).
   * @param {FrameData} data the protocol's frame.data
   */
  pushFrame(data) {
    if (this.#manual) {
      this.#manual = null;
      this.#overlayDirty = true;
    }
    if (this.#interpolator.push(data, performance.now())) this.#overlayDirty = true;
  }

  /**
   * Shows exactly this frame: its poses and the contact overlay from its collisions, with no
   * interpolation. It stays until the next showFrame(), pushFrame() (back to the live stream),
   * clear() or setScene(). The camera is framed on the first frame shown after setScene(), as with
   * pushFrame(). While only shown frames drive the view, it renders only when something changes.
   * @param {FrameData} data the protocol's frame.data shape
   */
  showFrame(data) {
    this.#interpolator.reset();
    this.#manual = { data, poses: posesOf(data) };
    this.#overlayDirty = true;
    this.#dirty = true;
  }

  /** Removes the bodies and overlays and forgets the frames; grid, axes and lights stay. */
  clear() {
    this.#removeBodies(true);
  }

  /**
   * Shows or hides contact points and normals (drawn from the displayed frame's collisions).
   * Flags that are left out keep their value.
   * @param {OverlayFlags} flags
   */
  setOverlays(flags) {
    this.#overlay.setFlags(flags);
    this.#overlayDirty = true;
    this.#dirty = true;
  }

  /**
   * Registers a listener for clicks: it gets the clicked body's id, or null for empty space (the
   * ground included). Drags (orbit, pan) are not clicks. Programmatic select() calls do not notify;
   * a selection dropped by setScene() or clear() does (null).
   * @param {(bodyId: number | null) => void} callback
   * @returns {() => void} unsubscribes the listener
   */
  onSelect(callback) {
    this.#selectListeners.add(callback);
    return () => this.#selectListeners.delete(callback);
  }

  /**
   * Highlights a body (emissive tint and bounding box); null or an unknown id clears the highlight.
   * @param {number | null} bodyId
   */
  select(bodyId) {
    this.#dirty = true;
    this.#unhighlight();
    const entry = bodyId === null ? undefined : this.#bodies.get(bodyId);
    this.#selectedId = entry ? /** @type {number} */ (bodyId) : null;
    if (!entry) return;
    const material = /** @type {THREE.MeshStandardMaterial} */ (entry.mesh.material);
    // glow in its own colour: a tint of another hue would make the body look like a different one
    material.emissive.copy(material.color);
    material.emissiveIntensity = 0.45;
    this.#selectionBox = new THREE.BoxHelper(entry.mesh, SELECTION_COLOR);
    this.#scene.add(this.#selectionBox);
  }

  /**
   * Adds a page's own 3D object (e.g. the replay page's force arrows) to the scene, drawn with the
   * bodies. The caller updates it and calls invalidate() after changing it; the returned function
   * takes it out again (the caller disposes its geometry and materials; dispose() of this view
   * frees whatever is still in the scene).
   * @param {THREE.Object3D} object
   * @returns {() => void}
   */
  addObject(object) {
    this.#scene.add(object);
    this.#dirty = true;
    return () => {
      this.#scene.remove(object);
      this.#dirty = true;
    };
  }

  /** Renders again at the next animation frame: an object added with addObject() changed. */
  invalidate() {
    this.#dirty = true;
  }

  /** @returns {FrameData | null} the frame set by showFrame(), else the newest frame pushed, or null */
  latestFrame() {
    return this.#manual?.data ?? /** @type {FrameData | null} */ (this.#interpolator.latest());
  }

  /**
   * The pose drawn for a body in the last rendered frame (interpolated).
   * @param {number} bodyId
   * @returns {DisplayedState | null}
   */
  displayedState(bodyId) {
    const pose = this.#poses?.get(bodyId);
    if (!pose) return null;
    const [x, y, z] = pose.position;
    const [qw, qx, qy, qz] = pose.orientation;
    return { position: { x, y, z }, orientation: { w: qw, x: qx, y: qy, z: qz } };
  }

  /** Frames the camera on the bodies (or a default view when there are none). */
  resetCamera() {
    this.#dirty = true;
    const scene = this.#sceneBounds();
    if (scene) {
      this.#placeGrid(scene.groundZ, scene.box);
      this.#frameCamera(scene.box);
      return;
    }
    this.#sceneRadius = 5;
    this.#camera.position.set(8, -10, 6);
    this.#controls.target.set(0, 0, 1);
    this.#setClipping(Math.hypot(8, -10, 5));
    this.#controls.update();
  }

  /** @returns {{fps: number, bodies: number}} rendered frames per second (smoothed) and body count */
  stats() {
    return { fps: this.#fps, bodies: this.#bodies.size };
  }

  /** Stops rendering, frees GPU resources and removes the canvas. A second call does nothing. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    liveViews--;
    cancelAnimationFrame(this.#rafId);
    this.#rafId = 0;
    this.#unpark?.();
    this.#unpark = null;
    this.#resizeObserver.disconnect();
    this.#removeBodies(false);
    this.#selectListeners.clear();
    this.#overlay.dispose();
    this.#edgeMaterial.dispose();
    this.#controls.dispose();
    // OrbitControls put a capture keydown listener on the canvas's root node when it was created
    // (the document) and takes it off the canvas's root node now, which is no longer the document
    // if the canvas has been detached since: that listener would keep this view, its renderer and
    // its WebGL context alive for as long as the page. Take it off where it was put.
    const intercept = /** @type {any} */ (this.#controls)._interceptControlDown;
    if (typeof intercept === "function") this.#keyRoot.removeEventListener("keydown", intercept, { capture: true });
    this.#scene.traverse((object) => {
      const o = /** @type {any} */ (object);
      o.geometry?.dispose?.();
      o.material?.dispose?.();
    });
    this.#renderer.dispose();
    this.#renderer.forceContextLoss(); // browsers cap live WebGL contexts; give this one back now
    this.#renderer.domElement.remove();
  }

  // ---- rendering -------------------------------------------------------------------------------

  #tick = () => {
    // Detached (a notebook cell re-run cleared its output, or JupyterLab's windowing took an
    // off-screen cell out of the page): no work and no next frame, which would keep this view and
    // its WebGL context alive for good; the loop starts again once the container is back.
    if (!this.#container.isConnected) {
      this.#rafId = 0;
      this.#dirty = true;
      this.#unpark = whenAttached(this.#container, () => {
        this.#unpark = null;
        if (!this.#disposed && this.#rafId === 0) this.#rafId = requestAnimationFrame(this.#tick);
      });
      return;
    }
    this.#rafId = requestAnimationFrame(this.#tick);
    const now = performance.now();
    const manual = this.#manual;
    if (manual) {
      // Shown frames only: render when something changed (several idle players on a page then
      // cost nothing). OrbitControls.update() reports camera motion, damping included.
      const moved = this.#controls.update();
      if (!this.#dirty && !moved && !this.#needsFraming) return;
      this.#dirty = false;
    }
    this.#applyPoses(now);
    if (this.#needsFraming && this.#poses) {
      this.#needsFraming = false;
      this.resetCamera();
    }
    if (this.#frameCount % REFIT_EVERY_FRAMES === 0 || manual) this.#followBodies();
    this.#updateOverlay();
    this.#updateSelectionBox();
    if (!manual) this.#controls.update();
    this.#updateFog();
    this.#renderer.render(this.#scene, this.#camera);
    this.#countFrame(now);
  };

  /** @param {number} now */
  #applyPoses(now) {
    const poses = this.#manual ? this.#manual.poses : this.#interpolator.sample(now);
    this.#poses = poses;
    if (!poses) return;
    // A shown frame is the whole truth: a body it does not hold is not there at that time (a
    // recording whose bodies changed, scrubbed back to before one was added). Live frames only move
    // what they hold.
    const exact = this.#manual !== null;
    for (const [id, { mesh }] of this.#bodies) {
      const pose = poses.get(id);
      if (!pose) {
        if (exact) mesh.visible = false;
        continue;
      }
      const [qw, qx, qy, qz] = pose.orientation;
      mesh.position.set(pose.position[0], pose.position[1], pose.position[2]);
      mesh.quaternion.set(qx, qy, qz, qw);
      mesh.visible = true;
    }
  }

  #updateOverlay() {
    const shown = this.#manual?.data ?? /** @type {FrameData | null} */ (this.#interpolator.displayed());
    if (!this.#overlayDirty && shown === this.#overlayFrame) return;
    this.#overlayFrame = shown;
    this.#overlayDirty = false;
    this.#overlay.update(shown?.collisions ?? []);
  }

  #updateSelectionBox() {
    const box = this.#selectionBox;
    const entry = this.#selectedId === null ? undefined : this.#bodies.get(this.#selectedId);
    if (!box || !entry) return;
    box.visible = entry.mesh.visible; // no box around a body that has no pose yet
    if (box.visible) box.update();
  }

  /** Fog fades the far ground into the background; it starts behind the scene wherever the camera is. */
  #updateFog() {
    const fog = /** @type {THREE.Fog} */ (this.#scene.fog);
    const distance = this.#camera.position.distanceTo(this.#controls.target);
    fog.near = distance + 3 * this.#sceneRadius;
    fog.far = fog.near * 4;
  }

  /** @param {number} now */
  #countFrame(now) {
    this.#frameCount++;
    const w = this.#fpsWindow;
    if (w.start === 0) w.start = now;
    w.frames++;
    const elapsed = now - w.start;
    if (elapsed < 500) return;
    const current = (w.frames * 1000) / elapsed;
    this.#fps = this.#fps === 0 ? current : 0.6 * this.#fps + 0.4 * current;
    w.start = now;
    w.frames = 0;
  }

  #resize() {
    const width = this.#container.clientWidth;
    const height = this.#container.clientHeight;
    if (width === 0 || height === 0) return; // hidden: keep the last size rather than a 0×0 buffer
    this.#dirty = true;
    this.#renderer.setSize(width, height, false);
    this.#camera.aspect = width / height;
    this.#camera.updateProjectionMatrix();
  }

  // ---- scene content ---------------------------------------------------------------------------

  #addLights() {
    const sky = new THREE.HemisphereLight(0xdde8ff, 0x3b342c, 1.6);
    sky.position.set(0, 0, 1); // the sky is +z here, not three's default +y
    const sun = new THREE.DirectionalLight(0xffffff, 2.6);
    sun.castShadow = true;
    sun.shadow.mapSize.set(SHADOW_MAP_SIZE, SHADOW_MAP_SIZE);
    sun.shadow.bias = -0.0003;
    this.#scene.add(sky, sun, sun.target);
    return sun;
  }

  /**
   * @param {BodyInfo} info
   * @param {number} color 0xRRGGBB
   */
  #addBody(info, color) {
    const asset = this.#assets.get(info.asset_id);
    if (!asset) return; // metadata always carries the assets of its bodies; nothing to draw otherwise
    const size = asset.geometry.boundingBox?.getSize(new THREE.Vector3()) ?? new THREE.Vector3();
    const large = info.is_environment && Math.max(size.x, size.y, size.z) > LARGE_ENVIRONMENT_M;
    const mesh = new THREE.Mesh(asset.geometry, info.is_environment ? environmentMaterial() : bodyMaterial(color));
    mesh.castShadow = !info.is_environment;
    mesh.receiveShadow = true;
    mesh.visible = false; // until a frame gives it a pose: metadata has no positions
    mesh.userData.bodyId = info.body_id;
    if (asset.edges && !large) mesh.add(new THREE.LineSegments(asset.edges, this.#edgeMaterial));
    this.#bodies.set(info.body_id, { mesh, info, large });
    this.#bodyGroup.add(mesh);
  }

  /** @param {boolean} notify tell onSelect listeners when a selection is dropped */
  #removeBodies(notify) {
    const hadSelection = this.#selectedId !== null;
    this.select(null);
    if (notify && hadSelection) this.#emitSelect(null);
    for (const { mesh } of this.#bodies.values()) /** @type {THREE.Material} */ (mesh.material).dispose();
    for (const asset of this.#assets.values()) {
      asset.geometry.dispose();
      asset.edges?.dispose();
    }
    this.#bodyGroup.clear();
    this.#bodies.clear();
    this.#assets.clear();
    this.#interpolator.reset();
    this.#manual = null;
    this.#poses = null;
    this.#needsFraming = false;
    this.#overlayDirty = true;
    this.#dirty = true;
  }

  #unhighlight() {
    const entry = this.#selectedId === null ? undefined : this.#bodies.get(this.#selectedId);
    if (entry) /** @type {THREE.MeshStandardMaterial} */ (entry.mesh.material).emissive.setHex(0x000000);
    if (this.#selectionBox) {
      this.#scene.remove(this.#selectionBox);
      this.#selectionBox.dispose();
      this.#selectionBox = null;
    }
  }

  // ---- camera, shadows, grid -------------------------------------------------------------------

  /**
   * World bounds of the placed bodies, ground excluded but its surface height included (so that
   * falling bodies stay in view and their shadows on the ground are covered), and the height of
   * the ground's surface (0 without a ground); null if no body is placed.
   * @returns {{box: THREE.Box3, groundZ: number} | null}
   */
  #sceneBounds() {
    const box = new THREE.Box3();
    const part = new THREE.Box3();
    let groundZ = -Infinity;
    for (const { mesh, large } of this.#bodies.values()) {
      const local = mesh.geometry.boundingBox;
      if (!mesh.visible || !local || local.isEmpty()) continue;
      mesh.updateMatrixWorld();
      part.copy(local).applyMatrix4(mesh.matrixWorld);
      if (!large) box.union(part);
      else if (isHorizontalSlab(part)) groundZ = Math.max(groundZ, part.max.z);
    }
    if (box.isEmpty()) {
      if (groundZ === -Infinity) return null;
      box.set(new THREE.Vector3(-2, -2, groundZ), new THREE.Vector3(2, 2, groundZ + 1));
    }
    if (groundZ === -Infinity) return { box, groundZ: 0 };
    box.min.z = Math.min(box.min.z, groundZ);
    box.max.z = Math.max(box.max.z, groundZ);
    return { box, groundZ };
  }

  /**
   * Looks at the centre of the bounds from VIEW_DIRECTION, just far enough that all eight corners
   * are in view (tighter than fitting the bounding sphere, which leaves the bodies small).
   * @param {THREE.Box3} bounds
   */
  #frameCamera(bounds) {
    const center = bounds.getCenter(new THREE.Vector3());
    const sphere = bounds.getBoundingSphere(new THREE.Sphere());
    const radius = Math.max(sphere.radius, 0.5);
    const distance = Math.max(fitDistance(bounds, center, this.#camera), radius * 0.5);
    this.#sceneRadius = radius;
    this.#controls.target.copy(center);
    this.#camera.position.copy(center).addScaledVector(VIEW_DIRECTION, distance);
    this.#setClipping(distance);
    this.#controls.update();
    this.#fitShadows(center, radius * 1.2);
  }

  /** @param {number} distance camera–target distance at framing */
  #setClipping(distance) {
    // near as far out as is safe: depth precision where bodies touch each other and the ground
    this.#camera.near = Math.max(0.01, Math.min(distance / 100, this.#sceneRadius / 20));
    this.#camera.far = Math.max(1000, distance * 50);
    this.#camera.updateProjectionMatrix();
    this.#controls.maxDistance = this.#camera.far / 4;
  }

  /**
   * Keeps the grid under and the shadow camera around the moving bodies. The shadow camera is
   * refitted only when they leave the covered region or shrink well inside it: a fixed fit would
   * clip shadows or waste resolution, and refitting every frame would make shadow edges shimmer.
   */
  #followBodies() {
    const scene = this.#bodies.size ? this.#sceneBounds() : null;
    if (!scene) return;
    this.#placeGrid(scene.groundZ, scene.box);
    const sphere = scene.box.getBoundingSphere(new THREE.Sphere());
    const covered = this.#shadowSphere;
    const outside = sphere.center.distanceTo(covered.center) + sphere.radius > covered.radius;
    const tooLoose = sphere.radius < covered.radius * 0.4;
    if (outside || tooLoose) this.#fitShadows(sphere.center, Math.max(sphere.radius, 0.5) * 1.2);
  }

  /**
   * @param {THREE.Vector3} center
   * @param {number} radius
   */
  #fitShadows(center, radius) {
    const sun = this.#sun;
    const camera = sun.shadow.camera;
    sun.target.position.copy(center);
    sun.position.copy(center).addScaledVector(SUN_DIRECTION, 3 * radius);
    camera.left = -radius;
    camera.right = radius;
    camera.top = radius;
    camera.bottom = -radius;
    camera.near = 0.5 * radius;
    camera.far = 7 * radius;
    camera.updateProjectionMatrix();
    // Offsetting receivers by about a shadow-map texel avoids acne on curved and tilted faces.
    sun.shadow.normalBias = (2 * radius / SHADOW_MAP_SIZE) * 1.5;
    this.#shadowSphere.set(center.clone(), radius);
  }

  /**
   * Puts the grid on the ground's surface (or z = 0 without a ground), sized to cover the scene.
   * @param {number} z
   * @param {THREE.Box3} bounds
   */
  #placeGrid(z, bounds) {
    const reach = Math.max(Math.abs(bounds.min.x), Math.abs(bounds.max.x), Math.abs(bounds.min.y), Math.abs(bounds.max.y));
    const size = Math.min(200, Math.max(20, 2 * Math.ceil(reach * 1.5 / 5) * 5));
    if (!this.#grid || this.#grid.userData.size !== size) this.#setGrid(z, size);
    this.#grid.position.z = z;
  }

  /**
   * @param {number} z
   * @param {number} size m, a multiple of 10
   */
  #setGrid(z, size) {
    if (this.#grid) {
      this.#scene.remove(this.#grid);
      this.#grid.geometry.dispose();
      /** @type {THREE.Material} */ (this.#grid.material).dispose();
    }
    const grid = createGrid(size, size <= 40 ? 1 : size <= 100 ? 2 : 5);
    grid.position.z = z;
    drawOverGround(grid, ORDER.grid);
    grid.userData.size = size;
    this.#grid = grid;
    this.#scene.add(grid);
  }

  // ---- picking ---------------------------------------------------------------------------------

  #listenForClicks() {
    const canvas = this.#renderer.domElement;
    canvas.addEventListener("pointerdown", (event) => {
      this.#pointerDown = event.button === 0 ? { x: event.clientX, y: event.clientY } : null;
    });
    canvas.addEventListener("pointerup", (event) => {
      const down = this.#pointerDown;
      this.#pointerDown = null;
      if (!down || event.button !== 0) return;
      if (Math.hypot(event.clientX - down.x, event.clientY - down.y) > CLICK_SLOP_PX) return;
      const bodyId = this.#pick(event.clientX, event.clientY);
      this.select(bodyId);
      this.#emitSelect(bodyId);
    });
  }

  /**
   * The body under a screen point. Environment bodies are see-through, so an inertial body behind
   * one wins; the environment body is picked only when nothing else is under the pointer. The
   * ground (a large environment body) counts as empty space, so clicking the floor deselects.
   * @param {number} clientX
   * @param {number} clientY
   * @returns {number | null}
   */
  #pick(clientX, clientY) {
    const rect = this.#renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    const raycaster = new THREE.Raycaster();
    raycaster.setFromCamera(ndc, this.#camera);
    const meshes = [...this.#bodies.values()].filter((b) => b.mesh.visible && !b.large).map((b) => b.mesh);
    const hits = raycaster.intersectObjects(meshes, false);
    const hit = hits.find((h) => !this.#bodies.get(h.object.userData.bodyId)?.info.is_environment) ?? hits[0];
    return hit ? hit.object.userData.bodyId : null;
  }

  /** @param {number | null} bodyId */
  #emitSelect(bodyId) {
    for (const listener of this.#selectListeners) listener(bodyId);
  }
}

// ---- detached elements -------------------------------------------------------------------------
//
// A render loop whose element has left the document (a notebook cell re-run clears its output;
// JupyterLab's windowing takes off-screen cells out and puts them back later) must not keep
// calling requestAnimationFrame: the callback would keep it, its renderer, its GPU buffers and its
// data alive for as long as the page. It stops and parks here instead, until the element is back.
// The park holds elements only weakly (WeakRef, and WeakMap keyed by the element), so an element
// gone for good is collected together with everything that only it references, its loop included;
// a single timer polls the parked elements while there are any, and stops when none are left.

/**
 * @typedef {object} Waiter
 * @property {() => void} attached
 * @property {(() => void) | undefined} release called at most once
 * @property {number} since performance.now() when parked
 */
/** @type {WeakMap<Element, Set<Waiter>>} */
const waitersOf = new WeakMap();
/** @type {Set<WeakRef<Element>>} in the order they were parked */
const parkedElements = new Set();
let parkTimer = 0;

/**
 * Calls `attached` once `element` is in the document again (polled every PARK_POLL_MS; sooner when
 * a SceneView inside it notices its size come back). `release`, if given, is called at most once
 * before that: when the element has stayed out of the document RELEASE_DETACHED_AFTER_MS, or
 * earlier when a new SceneView needs the WebGL context (see LIVE_VIEW_BUDGET); it should free what
 * can be rebuilt later (the player disposes its view, and builds a new one in `attached`).
 * Neither callback keeps the element alive.
 * @param {Element} element
 * @param {() => void} attached
 * @param {() => void} [release]
 * @returns {() => void} stops waiting (neither callback is called after it)
 */
export function whenAttached(element, attached, release) {
  /** @type {Waiter} */
  const waiter = { attached, release, since: performance.now() };
  let waiters = waitersOf.get(element);
  if (!waiters) {
    waiters = new Set();
    waitersOf.set(element, waiters);
    parkedElements.add(new WeakRef(element));
  }
  waiters.add(waiter);
  if (!parkTimer) parkTimer = window.setInterval(checkParked, PARK_POLL_MS);
  return () => {
    waiter.release = undefined;
    waitersOf.get(element)?.delete(waiter);
  };
}

/** Resumes the waiters of elements that are back, releases those away too long, forgets the rest. */
function checkParked() {
  const now = performance.now();
  for (const ref of parkedElements) {
    const element = ref.deref();
    const waiters = element && waitersOf.get(element);
    if (!element || !waiters || waiters.size === 0) {
      parkedElements.delete(ref); // collected, or nobody waits for it any more
      if (element) waitersOf.delete(element);
    } else if (element.isConnected) {
      parkedElements.delete(ref);
      waitersOf.delete(element);
      for (const waiter of waiters) callSafely(waiter.attached);
    } else {
      for (const waiter of waiters) {
        if (waiter.release && now - waiter.since >= RELEASE_DETACHED_AFTER_MS) release(waiter);
      }
    }
  }
  if (parkedElements.size === 0 && parkTimer) {
    clearInterval(parkTimer);
    parkTimer = 0;
  }
}

/** @returns {boolean} whether a waiter was released: the one parked longest that has release() */
function releaseOldestParked() {
  for (const ref of parkedElements) {
    const element = ref.deref();
    if (!element || element.isConnected) continue;
    for (const waiter of waitersOf.get(element) ?? []) {
      if (waiter.release) {
        release(waiter);
        return true;
      }
    }
  }
  return false;
}

/** @param {Waiter} waiter */
function release(waiter) {
  const callback = /** @type {() => void} */ (waiter.release);
  waiter.release = undefined;
  callSafely(callback);
}

/** One page's broken callback must not stop the others (nor the timer): reported, not thrown. */
function callSafely(/** @type {() => void} */ callback) {
  try {
    callback();
  } catch (error) {
    reportError(error);
  }
}

// ---- helpers ---------------------------------------------------------------------------------

/** @param {HTMLElement} container */
function createRenderer(container) {
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.toneMapping = THREE.NeutralToneMapping; // keeps body hues true, unlike ACES
  renderer.shadowMap.enabled = true;
  renderer.shadowMap.type = THREE.PCFSoftShadowMap;
  const canvas = renderer.domElement;
  // Absolutely positioned, so the canvas never feeds back into the container's own size.
  if (getComputedStyle(container).position === "static") container.style.position = "relative";
  Object.assign(canvas.style, { position: "absolute", inset: "0", width: "100%", height: "100%", display: "block" });
  container.appendChild(canvas);
  return renderer;
}

/**
 * A square grid in the XY plane, centred on the origin, with brighter lines along the x and y axes.
 * Unlike GridHelper, every line is cut into cell-long segments: some WebGL implementations (the
 * SwiftShader software renderer of headless Chromium among them) drop a whole line when one end
 * lies behind the camera, which blanked the grid around a close-up camera.
 * @param {number} size side length, m (a multiple of cell)
 * @param {number} cell spacing, m
 * @returns {THREE.LineSegments}
 */
function createGrid(size, cell) {
  const half = size / 2;
  const cells = Math.round(size / cell);
  const axisColor = new THREE.Color(0x9aa3ae);
  const lineColor = new THREE.Color(0x5d6570);
  const positions = [];
  const colors = [];
  for (let i = 0; i <= cells; i++) {
    const u = -half + i * cell;
    const color = Math.abs(u) < cell / 2 ? axisColor : lineColor;
    for (let j = 0; j < cells; j++) {
      const v0 = -half + j * cell;
      const v1 = v0 + cell;
      positions.push(u, v0, 0, u, v1, 0, v0, u, 0, v1, u, 0); // one segment along y, one along x
      for (let k = 0; k < 4; k++) colors.push(color.r, color.g, color.b);
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.Float32BufferAttribute(positions, 3));
  geometry.setAttribute("color", new THREE.Float32BufferAttribute(colors, 3));
  return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ vertexColors: true }));
}

/**
 * Puts a helper (lines) in the transparent pass after the environment bodies: see ORDER.
 * @param {THREE.LineSegments} helper
 * @param {number} order
 */
function drawOverGround(helper, order) {
  const material = /** @type {THREE.Material} */ (helper.material);
  material.transparent = true;
  material.depthWrite = false;
  helper.renderOrder = order;
}

/** @param {number} color */
function bodyMaterial(color) {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.5, metalness: 0.05 });
}

function environmentMaterial() {
  return new THREE.MeshStandardMaterial({
    color: ENVIRONMENT_COLOR,
    roughness: 0.9,
    metalness: 0,
    transparent: true,
    opacity: ENVIRONMENT_OPACITY,
    depthWrite: false, // see-through: never hides what lies behind or inside it
  });
}

/**
 * Geometry for one asset's triangle list: normals smooth across gentle angles and hard across
 * creases (boxes come out flat-shaded with crisp edges, spheres smooth), vertices then shared
 * where position and normal agree; plus edge lines along the creases (null for smooth meshes).
 * @param {number[]} positions flat triangle list, relative to the centre of mass
 */
function buildAsset(positions) {
  const array = Float32Array.from(positions);
  let geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(array, 3));
  geometry.setAttribute("normal", new THREE.BufferAttribute(creasedNormals(array, CREASE_ANGLE_DEG), 3));
  geometry = mergeVertices(geometry);
  geometry.computeBoundingBox();
  geometry.computeBoundingSphere();
  const edges = new THREE.EdgesGeometry(geometry, CREASE_ANGLE_DEG);
  const hasEdges = edges.getAttribute("position").count > 0;
  if (!hasEdges) edges.dispose();
  return { geometry, edges: hasEdges ? edges : null };
}

/**
 * Per-corner normals of a triangle list: the average of the unit normals of the faces around the
 * same position that lie within creaseAngleDeg of the corner's own face.
 * @param {Float32Array} positions
 * @param {number} creaseAngleDeg
 * @returns {Float32Array}
 */
function creasedNormals(positions, creaseAngleDeg) {
  const triangles = Math.floor(positions.length / 9);
  const faceNormals = new Float32Array(triangles * 3);
  /** @type {Map<string, number[]>} position → triangles that touch it */
  const around = new Map();
  const a = new THREE.Vector3();
  const b = new THREE.Vector3();
  const c = new THREE.Vector3();
  for (let t = 0; t < triangles; t++) {
    a.fromArray(positions, 9 * t);
    b.fromArray(positions, 9 * t + 3);
    c.fromArray(positions, 9 * t + 6);
    c.sub(b);
    a.sub(b);
    c.cross(a).normalize(); // counter-clockwise from outside → outward normal
    c.toArray(faceNormals, 3 * t);
    for (let k = 0; k < 3; k++) {
      const key = vertexKey(positions, 9 * t + 3 * k);
      const list = around.get(key);
      if (list) list.push(t);
      else around.set(key, [t]);
    }
  }
  const cosCrease = Math.cos(THREE.MathUtils.degToRad(creaseAngleDeg));
  const normals = new Float32Array(triangles * 9);
  const own = new THREE.Vector3();
  const other = new THREE.Vector3();
  const sum = new THREE.Vector3();
  for (let t = 0; t < triangles; t++) {
    own.fromArray(faceNormals, 3 * t);
    for (let k = 0; k < 3; k++) {
      sum.set(0, 0, 0);
      for (const f of /** @type {number[]} */ (around.get(vertexKey(positions, 9 * t + 3 * k)))) {
        other.fromArray(faceNormals, 3 * f);
        if (own.dot(other) >= cosCrease) sum.add(other);
      }
      if (sum.lengthSq() === 0) sum.copy(own.lengthSq() ? own : other.set(0, 0, 1)); // degenerate face
      sum.normalize().toArray(normals, 9 * t + 3 * k);
    }
  }
  return normals;
}

/**
 * Positions come from one JSON list, so shared corners are bit-identical: exact keys suffice.
 * @param {Float32Array} positions
 * @param {number} i index of the corner's x
 */
function vertexKey(positions, i) {
  return `${positions[i]},${positions[i + 1]},${positions[i + 2]}`;
}

/**
 * Camera distance from `center` along VIEW_DIRECTION at which every corner of `bounds` lies inside
 * the camera's frustum, with a 10 % margin.
 * @param {THREE.Box3} bounds
 * @param {THREE.Vector3} center
 * @param {THREE.PerspectiveCamera} camera
 */
function fitDistance(bounds, center, camera) {
  const tanV = Math.tan(THREE.MathUtils.degToRad(camera.fov) / 2);
  const tanH = tanV * camera.aspect;
  const back = VIEW_DIRECTION; // camera's backward axis
  const right = new THREE.Vector3().crossVectors(camera.up, back).normalize();
  const up = new THREE.Vector3().crossVectors(back, right);
  const corner = new THREE.Vector3();
  let distance = 0;
  for (let i = 0; i < 8; i++) {
    corner.set(i & 1 ? bounds.max.x : bounds.min.x, i & 2 ? bounds.max.y : bounds.min.y, i & 4 ? bounds.max.z : bounds.min.z);
    corner.sub(center);
    const depth = corner.dot(back); // towards the camera
    distance = Math.max(distance, depth + Math.abs(corner.dot(right)) / tanH, depth + Math.abs(corner.dot(up)) / tanV);
  }
  return distance * 1.1;
}

/** @param {THREE.Box3} box @returns {boolean} a flat, horizontal box (a ground, not a wall) */
function isHorizontalSlab(box) {
  const size = box.getSize(new THREE.Vector3());
  return size.z < 0.25 * Math.min(size.x, size.y);
}

/**
 * Contact points (small spheres) and contact normals (arrows along the pair's normal, from A to B)
 * at the midpoints of the contacts' witness points. Instanced, so thousands of contacts stay cheap.
 * Each part is drawn twice: depth-tested and solid, then without depth test and faint, so that
 * contacts under or inside bodies still show (x-ray) without looking as if they were in front.
 */
class ContactOverlay {
  #flags = { contacts: false, normals: false };
  #capacity = 0;
  /** @type {THREE.Scene} */ #scene;
  #group = new THREE.Group();
  #pointGeometry = new THREE.SphereGeometry(CONTACT_RADIUS_M, 12, 8);
  #headGeometry = new THREE.ConeGeometry(NORMAL_LENGTH_M * 0.08, NORMAL_LENGTH_M * 0.25, 12)
    .translate(0, NORMAL_LENGTH_M * 0.875, 0); // tip at the arrow's length along +y
  #shaftGeometry = new THREE.BufferGeometry();
  #materials = {
    point: overlayMaterials(THREE.MeshBasicMaterial, CONTACT_COLOR),
    normal: overlayMaterials(THREE.MeshBasicMaterial, NORMAL_COLOR),
    shaft: overlayMaterials(THREE.LineBasicMaterial, NORMAL_COLOR),
  };
  /** @type {THREE.InstancedMesh[]} solid + x-ray */ #points = [];
  /** @type {THREE.InstancedMesh[]} */ #heads = [];
  /** @type {THREE.LineSegments[]} */ #shafts = [];

  /** @param {THREE.Scene} scene */
  constructor(scene) {
    this.#scene = scene;
    scene.add(this.#group);
    this.#shafts = this.#materials.shaft.map((material, xray) => {
      const lines = new THREE.LineSegments(this.#shaftGeometry, material);
      lines.frustumCulled = false; // positions change every frame; bounds would go stale
      lines.renderOrder = xray ? ORDER.xray : ORDER.overlay;
      return lines;
    });
    this.#group.add(...this.#shafts);
    this.#grow(64);
  }

  /** @param {OverlayFlags} flags */
  setFlags(flags) {
    if (typeof flags.contacts === "boolean") this.#flags.contacts = flags.contacts;
    if (typeof flags.normals === "boolean") this.#flags.normals = flags.normals;
  }

  /** @param {Collision[]} collisions */
  update(collisions) {
    const count = this.#flags.contacts || this.#flags.normals ? countContacts(collisions) : 0;
    if (count > this.#capacity) this.#grow(Math.max(count, 2 * this.#capacity));
    const [points] = this.#points;
    const [heads] = this.#heads;
    const shaft = /** @type {THREE.BufferAttribute} */ (this.#shaftGeometry.getAttribute("position"));
    const matrix = new THREE.Matrix4();
    const at = new THREE.Vector3();
    const direction = new THREE.Vector3();
    const rotation = new THREE.Quaternion();
    const coneAxis = new THREE.Vector3(0, 1, 0);
    const unit = new THREE.Vector3(1, 1, 1);
    let i = 0;
    for (const collision of count ? collisions : []) {
      const n = collision.normal;
      direction.set(n.x, n.y, n.z).normalize();
      rotation.setFromUnitVectors(coneAxis, direction);
      for (const { point_a: pa, point_b: pb } of collision.contacts ?? []) {
        at.set((pa.x + pb.x) / 2, (pa.y + pb.y) / 2, (pa.z + pb.z) / 2);
        points.setMatrixAt(i, matrix.makeTranslation(at));
        heads.setMatrixAt(i, matrix.compose(at, rotation, unit));
        shaft.setXYZ(2 * i, at.x, at.y, at.z);
        at.addScaledVector(direction, NORMAL_LENGTH_M * 0.75); // the shaft ends where the head starts
        shaft.setXYZ(2 * i + 1, at.x, at.y, at.z);
        i++;
      }
    }
    points.instanceMatrix.needsUpdate = true;
    heads.instanceMatrix.needsUpdate = true;
    shaft.needsUpdate = true;
    this.#show(i);
  }

  dispose() {
    this.#scene.remove(this.#group);
    for (const mesh of [...this.#points, ...this.#heads]) mesh.dispose();
    for (const geometry of [this.#pointGeometry, this.#headGeometry, this.#shaftGeometry]) geometry.dispose();
    for (const material of Object.values(this.#materials).flat()) material.dispose();
  }

  /** @param {number} count contacts to draw */
  #show(count) {
    for (const mesh of this.#points) mesh.count = this.#flags.contacts ? count : 0;
    for (const mesh of this.#heads) mesh.count = this.#flags.normals ? count : 0;
    this.#shaftGeometry.setDrawRange(0, this.#flags.normals ? 2 * count : 0);
  }

  /** @param {number} capacity */
  #grow(capacity) {
    for (const mesh of [...this.#points, ...this.#heads]) {
      this.#group.remove(mesh);
      mesh.dispose();
    }
    this.#points = instancedPair(this.#pointGeometry, this.#materials.point, capacity);
    this.#heads = instancedPair(this.#headGeometry, this.#materials.normal, capacity);
    this.#group.add(...this.#points, ...this.#heads);
    const positions = new THREE.BufferAttribute(new Float32Array(capacity * 6), 3);
    positions.setUsage(THREE.DynamicDrawUsage);
    this.#shaftGeometry.dispose(); // frees the old GPU buffer; the geometry object is reused
    this.#shaftGeometry.setAttribute("position", positions);
    this.#capacity = capacity;
  }
}

/** @param {Collision[]} collisions */
function countContacts(collisions) {
  let count = 0;
  for (const collision of collisions) count += collision.contacts?.length ?? 0;
  return count;
}

/**
 * A solid, depth-tested material and a faint one drawn on top of everything (the x-ray pass).
 * @template {typeof THREE.MeshBasicMaterial | typeof THREE.LineBasicMaterial} M
 * @param {M} Material
 * @param {number} color
 * @returns {[InstanceType<M>, InstanceType<M>]}
 */
function overlayMaterials(Material, color) {
  const solid = new Material({ color, fog: false, transparent: true }); // opaque, but drawn after the ground
  const xray = new Material({ color, fog: false, transparent: true, opacity: 0.3, depthTest: false, depthWrite: false });
  return /** @type {[InstanceType<M>, InstanceType<M>]} */ ([solid, xray]);
}

/**
 * Two instanced meshes (solid, x-ray) sharing one instance buffer.
 * @param {THREE.BufferGeometry} geometry
 * @param {THREE.Material[]} materials
 * @param {number} capacity
 */
export function instancedPair(geometry, materials, capacity) {
  const meshes = materials.map((material, xray) => {
    const mesh = new THREE.InstancedMesh(geometry, material, capacity);
    mesh.count = 0;
    mesh.renderOrder = xray ? ORDER.xray : ORDER.overlay;
    mesh.frustumCulled = false; // the instances' spread is not in the geometry's bounds
    return mesh;
  });
  meshes[0].instanceMatrix.setUsage(THREE.DynamicDrawUsage);
  meshes[1].instanceMatrix = meshes[0].instanceMatrix;
  return meshes;
}
