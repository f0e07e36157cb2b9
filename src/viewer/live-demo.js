// Minimal live page: connects to /api/v1/live, runs a demo scene and draws it with three.js.
// (The full scene editor and inspector replace this page in the viewer work.)
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

const $ = (id) => document.getElementById(id);
const viewport = $("viewport");
const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(window.devicePixelRatio);
viewport.appendChild(renderer.domElement);
const scene = new THREE.Scene();
scene.background = new THREE.Color(0x15171a);
const camera = new THREE.PerspectiveCamera(50, 1, 0.05, 500);
camera.up.set(0, 0, 1);
camera.position.set(8, -10, 6);
const controls = new OrbitControls(camera, renderer.domElement);
controls.target.set(0, 0, 1);
scene.add(new THREE.HemisphereLight(0xffffff, 0x334455, 1.2));
const sun = new THREE.DirectionalLight(0xffffff, 1.5);
sun.position.set(5, -8, 12);
scene.add(sun);
const grid = new THREE.GridHelper(20, 20, 0x555555, 0x333333);
grid.rotation.x = Math.PI / 2;
scene.add(grid, new THREE.AxesHelper(1));

const DEMO = [
  { asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment" },
  { asset_name: "unit_cube", position: [0, 0, 3], orientation: [0.3, 0.2, 0], object_type: "inertial", mass: 1, restitution: 0.3 },
  { asset_name: "small_sphere", position: [1.2, 0.4, 5], orientation: [0, 0, 0], object_type: "inertial", mass: 1, restitution: 0.7 },
  { asset_name: "pyramid", position: [-1.2, -0.3, 4], orientation: [0, 0, 0.5], object_type: "inertial", mass: 1 },
  { asset_name: "tiny_cube", position: [0.1, 0.1, 7], orientation: [0, 0, 0], object_type: "inertial", mass: 0.5 },
];
const COLORS = [0x4a9eff, 0xf59e0b, 0x22c55e, 0xef4444, 0xa855f7, 0x14b8a6];
let socket = null;
const meshes = new Map();

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function buildScene(metadata) {
  for (const mesh of meshes.values()) scene.remove(mesh);
  meshes.clear();
  const geometries = new Map(metadata.assets.map((a) => {
    const g = new THREE.BufferGeometry();
    g.setAttribute("position", new THREE.Float32BufferAttribute(a.positions, 3));
    g.computeVertexNormals();
    return [a.asset_id, g];
  }));
  metadata.bodies.forEach((body, i) => {
    const material = body.is_environment
      ? new THREE.MeshStandardMaterial({ color: 0x808890, transparent: true, opacity: 0.35 })
      : new THREE.MeshStandardMaterial({ color: COLORS[i % COLORS.length], roughness: 0.6, metalness: 0.1 });
    const mesh = new THREE.Mesh(geometries.get(body.asset_id), material);
    meshes.set(body.body_id, mesh);
    scene.add(mesh);
  });
}

function applyFrame(data) {
  for (const s of data.states) {
    const mesh = meshes.get(s.body_id);
    if (!mesh) continue;
    mesh.position.set(s.position.x, s.position.y, s.position.z);
    mesh.quaternion.set(s.orientation.x, s.orientation.y, s.orientation.z, s.orientation.w);
  }
  $("frame").textContent = String(data.frame_id);
  $("time").textContent = data.simulation_time.toFixed(3);
}

function run() {
  const token = new URLSearchParams(location.search).get("token");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/live${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  socket = new WebSocket(url);
  $("run").disabled = true;
  $("stop").disabled = false;
  setStatus("connecting");
  socket.onopen = () => socket.send(JSON.stringify({ type: "configure", objects: DEMO }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "metadata") {
      buildScene(message);
      socket.send(JSON.stringify({ type: "start", timestep_ms: 16, duration_s: 10 }));
      setStatus("running");
    } else if (message.type === "frame") {
      applyFrame(message.data);
    } else if (message.type === "complete") {
      setStatus(`complete: ${message.total_frames} frames in ${message.elapsed_s} s`);
    } else if (message.type === "error") {
      setStatus(`error: ${message.message}`, true);
    }
  };
  socket.onclose = () => {
    $("run").disabled = false;
    $("stop").disabled = true;
    socket = null;
  };
  socket.onerror = () => setStatus("connection failed: is the server running?", true);
}

$("run").addEventListener("click", run);
$("stop").addEventListener("click", () => socket?.send(JSON.stringify({ type: "stop" })));

function resize() {
  const { clientWidth: w, clientHeight: h } = viewport;
  renderer.setSize(w, h, false);
  renderer.domElement.style.width = `${w}px`;
  renderer.domElement.style.height = `${h}px`;
  camera.aspect = w / Math.max(h, 1);
  camera.updateProjectionMatrix();
}
window.addEventListener("resize", resize);
resize();
renderer.setAnimationLoop(() => {
  controls.update();
  renderer.render(scene, camera);
});
run();
