import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";

// The published declarations (dist/src/index.d.ts, what `"types"` in package.json points to) must
// type-check a typical user program with the oldest TypeScript we support, 5.0 (installed as
// node_modules/typescript-5.0), in strict mode with lib checking on, so that newer-compiler-only
// syntax in our .d.ts files (or typed-array generics of newer libs) is caught. A deliberately wrong
// program must fail, so the check can fail at all.

type TS = typeof import("typescript");

const root = path.resolve(__dirname, "..");
const dtsEntry = path.join(root, "dist", "src", "index.d.ts");
const ts: TS = createRequire(__filename)(path.join(root, "node_modules", "typescript-5.0"));

/** Newest modification time of the .ts files under dir (recursively). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** A temp project with node_modules/msd-lab linked to this package, as an installed dependency. */
let projectDir = "";

beforeAll(() => {
  if (!fs.existsSync(dtsEntry) || fs.statSync(dtsEntry).mtimeMs < newestMtime(path.join(root, "src"))) {
    try {
      execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
        cwd: root,
        stdio: "pipe",
        encoding: "utf8",
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npx tsc -p tsconfig.json failed:\n${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
    }
  }
  expect(fs.existsSync(dtsEntry)).toBe(true);
  projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "msd-lab-ts50-"));
  fs.mkdirSync(path.join(projectDir, "node_modules"));
  fs.symlinkSync(root, path.join(projectDir, "node_modules", "msd-lab"), "dir");
  return () => fs.rmSync(projectDir, { recursive: true, force: true });
});

/** Parsed library/declaration files, shared by the programs below (parsing them is the slow part). */
const sourceCache = new Map<string, import("typescript").SourceFile>();

interface CheckResult {
  /** Every diagnostic of the program (only when `everything`), formatted as path:line:col TScode: text. */
  messages: string[];
  /** The diagnostics located in the user's main.ts. */
  inMain: string[];
  /** Line numbers (1-based) in main.ts that have a diagnostic. */
  linesInMain: number[];
}

/**
 * Type-checks `source` as main.ts of the temp project with TypeScript 5.0. With `everything` the
 * diagnostics of every file (lib, @types, our declarations) are collected, otherwise main.ts's only.
 */
function check(source: string, everything: boolean, extra: import("typescript").CompilerOptions = {}): CheckResult {
  const file = path.join(projectDir, "main.ts");
  fs.writeFileSync(file, source);
  const options: import("typescript").CompilerOptions = {
    strict: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs, // "node10"
    target: ts.ScriptTarget.ES2020,
    esModuleInterop: true,
    skipLibCheck: false, // check our .d.ts files too
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(root, "node_modules", "@types")],
    ...extra,
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (path.resolve(fileName) === file) return readSource(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName}|${JSON.stringify(languageVersion)}`;
    let sf = sourceCache.get(key);
    if (!sf) {
      sf = readSource(fileName, languageVersion, onError, shouldCreate);
      if (sf) sourceCache.set(key, sf);
    }
    return sf;
  };
  const program = ts.createProgram([file], options, host);
  const main = program.getSourceFile(file)!;
  const diagnostics = everything
    ? ts.getPreEmitDiagnostics(program)
    : [...program.getSyntacticDiagnostics(main), ...program.getSemanticDiagnostics(main)];
  const format = (d: import("typescript").Diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return `TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
  };
  // The program really loaded our declarations (not some other msd-lab).
  const loaded = program.getSourceFiles().map((f) => path.resolve(f.fileName));
  expect(loaded).toContain(fs.realpathSync(dtsEntry));
  const inMainDiagnostics = diagnostics.filter((d) => d.file && path.resolve(d.file.fileName) === file);
  return {
    messages: diagnostics.map(format),
    inMain: inMainDiagnostics.map(format),
    linesInMain: inMainDiagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1),
  };
}

const TYPICAL_PROGRAM = `
import { Engine, STATE_STRIDE } from "msd-lab";
import type { BodyState, Contact, FrameState, SimulateOptions, Trajectory } from "msd-lab";

const engine = new Engine({ gravity: [0, 0, -9.81], maxStep: 1 / 120, substeps: 4 });
engine.spawnEnvironmentObject("plane", [0, 0, 0]);
const cube = engine.spawnInertialObject("unit_cube", [0, 0, 2], [0, 0, 0.3], { mass: 1, restitution: 0.3 });
const start = [0, 0, 5];
const ball = engine.spawnInertialObject("small_sphere", start, undefined, { velocity: [1, 0, 0] });

engine.update(16);
engine.step();
engine.step(1 / 240);

const frame: FrameState = engine.getFrameState();
const z: number = frame.states[0].position.z;
const t: number = frame.simulation_time;
const first: BodyState = engine.getBodyState(cube.instanceId);
const q = first.orientation;
const tilt = 2 * Math.acos(Math.min(1, Math.abs(q.w)));

const options: SimulateOptions = { duration: 1, dt: 1 / 240, every: 2 };
const traj: Trajectory = engine.simulate({ ...options, bodies: [cube.instanceId, ball.instanceId] });
const zs: number[] = [];
for (let k = 0; k < traj.frames; k++) zs.push(traj.position[(k * traj.bodyIds.length + 0) * 3 + 2]);
const times: Float64Array = traj.time;
const energy = Array.from(traj.kineticEnergy, (ke, k) => ke + traj.potentialEnergy[k]);
const packed: Float64Array = engine.stateArray();
const bodyCount = packed.length / STATE_STRIDE;

const contacts: Contact[] = engine.getContacts();
const impulses = contacts.flatMap((c) => c.points.map((p) => p.normalImpulse));
const [nx, ny, nz] = contacts.length > 0 ? contacts[0].normal : [0, 0, 0];
const total: number = engine.getEnergy().total + engine.getEnergy(cube.instanceId).rotational;
const stats = engine.getSolverStats();
const names = engine.listAssets().map((a) => a.name.toUpperCase());
const mesh = engine.getAssetMesh("pyramid");
const verts = engine.getCollisionVertices(cube.assetId).map(([x, y, vz]) => x + y + vz);

engine.applyImpulse(cube.instanceId, [0, 0, 1]);
engine.setVelocity(ball.instanceId, [0, 0, 0], [0, 1, 0]);
const saved: Uint8Array = engine.snapshot();
engine.restore(saved);

async function later(): Promise<number> {
  await engine.stepAsync(1 / 60, 10);
  await engine.updateAsync(5000);
  const ac = new AbortController();
  const tr = await engine.simulateAsync({ duration: 1, signal: ac.signal });
  return tr.frames + engine.time;
}

later().then((frames) => {
  console.log(frames, z, t, tilt, zs.length, times[0], energy[0], bodyCount, impulses, nx, ny, nz, total,
    stats.converged ? stats.iterations : -1, names, mesh.positions.length + mesh.indices.length, verts.length,
    engine.bodies().filter((b) => !b.isEnvironment).map((b) => b.mass));
  engine.removeBody(ball.instanceId);
  engine.dispose();
});
`;

describe("declarations with TypeScript 5.0", () => {
  it("the compiler really is 5.0", () => {
    expect(ts.version).toMatch(/^5\.0\./);
  });

  it("a typical user program type-checks with zero diagnostics (strict, CommonJS, node10, ES2020)", () => {
    const { messages } = check(TYPICAL_PROGRAM, true);
    expect(messages).toEqual([]);
  });

  it("also without the DOM lib (a Node-only project: lib es2020)", () => {
    const { messages } = check(TYPICAL_PROGRAM, true, { lib: ["lib.es2020.d.ts"] });
    expect(messages).toEqual([]);
  });

  it("a wrong program (a string as mass) gets a diagnostic in the user's file", () => {
    const wrong = `import { Engine } from "msd-lab";
const engine = new Engine();
engine.spawnInertialObject("unit_cube", [0, 0, 1], [0, 0, 0], { mass: "1" });
`;
    const { inMain } = check(wrong, false);
    expect(inMain).toHaveLength(1);
    expect(inMain[0]).toMatch(/main\.ts:3:.*TS2322: Type 'string' is not assignable to type 'number'/);
    // The same program with a number type-checks, so the diagnostic is about the mass alone.
    expect(check(wrong.replace('mass: "1"', "mass: 1"), false).inMain).toEqual([]);
  });

  it("more wrong programs: a misspelt option, a wrong state field, a bad trajectory type, a string time", () => {
    const cases: [string, RegExp][] = [
      [`new Engine({ maxstep: 0.01 });`, /maxstep/],
      [`const z: string = new Engine().getFrameState().states[0].position.z;`, /not assignable to type 'string'/],
      [`const p: number[] = new Engine().simulate({ duration: 1 }).position;`, /Float64Array/],
      [`new Engine().update("16");`, /not assignable to parameter of type 'number'/],
    ];
    const source = [`import { Engine } from "msd-lab";`, ...cases.map(([line]) => line), "export {};", ""].join("\n");
    const { inMain, linesInMain } = check(source, false);
    cases.forEach(([line, message], k) => {
      const at = inMain.filter((_, i) => linesInMain[i] === k + 2);
      expect(at.length, `no diagnostic for: ${line}`).toBeGreaterThan(0);
      expect(at.join("\n"), line).toMatch(message);
    });
  });
});
