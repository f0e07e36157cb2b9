// plot/show/table outputs and reports, built from a real engine's recordings. What the browser makes
// of them is checked in test/browser/report.test.ts; here: content, fallbacks, errors, sizes.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { plotOutput, record, recordingOf, Report, showOutput, tableOutput, type Recording } from "../../src/kernel-helpers";
import { bundleFor, reloadLibraries } from "../../src/kernel-helpers/display";
import { markdownToHtml } from "../../src/kernel-helpers/markdown";

const G = 9.81;
let engine: Engine;
let run: Recording;
let cube: number;

beforeAll(async () => {
  engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  cube = engine.spawnInertialObject("unit_cube", [0, 0, 3], [0, 0, 0], { mass: 2 }).instanceId;
  engine.spawnInertialObject("small_sphere", [2, 0, 2], [0, 0, 0], { mass: 1 });
  run = await record(engine, { duration: 1, dt: 1 / 100 });
});

afterAll(() => engine.dispose());

/** The JSON handed to the output's draw function (the last argument of __msdLab.render). */
function drawData(html: string): any {
  const call = html.lastIndexOf("__msdLab.render(");
  const json = html.slice(html.indexOf("},", call) + 2, html.lastIndexOf(");"));
  return JSON.parse(json);
}

describe("record", () => {
  it("keeps the scene with the trajectory: every body, the environment's pose, collision geometry", () => {
    expect(run.trajectory.frames).toBe(101);
    expect(run.scene.bodies.map((b) => b.asset_name).sort()).toEqual(["plane", "small_sphere", "unit_cube"]);
    expect(run.scene.fixed).toEqual([{ body_id: 1, position: [0, 0, -0.5], orientation: [1, 0, 0, 0] }]);
    const cubeAsset = run.scene.assets.find((a) => a.name === "unit_cube")!;
    expect(cubeAsset.positions.length).toBe(12 * 9); // 12 triangles
    expect(Math.max(...cubeAsset.positions.map(Math.abs))).toBeCloseTo(0.5, 12);
  });

  it("is stopped by an AbortSignal, leaving the engine usable", async () => {
    const e = new Engine();
    e.spawnInertialObject("unit_cube", [0, 0, 0]);
    const controller = new AbortController();
    const pending = record(e, { duration: 100_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(e.time).toBeGreaterThan(0);
    expect(e.time).toBeLessThan(100_000);
    e.step();
    e.dispose();
  });
});

describe("plotOutput", () => {
  it("plots z(t) per body with a theory overlay; the data is the engine's, the fallbacks describe it", () => {
    const out = plotOutput(run, { y: "z", theory: { name: "free fall", y: (t) => 3 - 0.5 * G * t * t }, title: "drop" });
    expect(out.libraries).toEqual(["plotly"]);
    const fig = out.data as any;
    expect(fig.data.map((t: any) => t.name)).toEqual([`body ${cube} (unit_cube)`, "body 3 (small_sphere)", "free fall"]);
    expect(fig.data[2].line.dash).toBe("dash");
    // The cube falls freely for the first 0.6 s: the plotted z matches the analytic curve.
    const [cubeTrace, , theory] = fig.data;
    for (let i = 0; i <= 60; i += 10) expect(cubeTrace.y[i]).toBeCloseTo(theory.y[i], 5);
    expect(fig.layout.yaxis.title.text).toBe("z (m)");
    expect(fig.layout.xaxis.title.text).toBe("t (s)");
    expect(out.text).toContain(`body ${cube} (unit_cube): 101 points`);
    expect(out.fallbackHtml).toMatch(/^<img alt="drop" src="data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(out.fallbackHtml.split("base64,")[1].slice(0, -2), "base64").toString();
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it("plots system energy as kinetic, potential and total", () => {
    const out = plotOutput(run, { y: "energy" });
    expect(out.text).not.toContain("bodies shown"); // no per-body traces, no note about choosing bodies
    const fig = out.data as any;
    expect(fig.data.map((t: any) => t.name)).toEqual(["kinetic energy", "potential energy", "total energy"]);
    // Free fall conserves energy: total at 0.3 s equals the start (both bodies in the air).
    const total = fig.data[2].y;
    expect(Math.abs(total[30] - total[0])).toBeLessThan(1e-4 * Math.abs(total[0]));
    expect(fig.layout.yaxis.title.text).toBe("energy (J)");
  });

  it("plots plain series, and picks bodies by id", () => {
    const fig = plotOutput([{ x: [0, 1, 2], y: [1, 4, 9], name: "squares", mode: "markers" }], { theory: { name: "x²", x: [0, 1, 2], y: [0, 1, 4] } }).data as any;
    expect(fig.data[0]).toMatchObject({ name: "squares", mode: "markers", x: [0, 1, 2], y: [1, 4, 9] });
    expect(plotOutput(run, { bodies: [3] }).data).toMatchObject({ data: [{ name: "body 3 (small_sphere)" }] });
    const labelled = plotOutput(run, { labels: { 3: "sphere e = 0.5" }, theory: [{ name: "a", y: (t) => t }, { name: "b", y: (t) => -t }] }).data as any;
    expect(labelled.data.map((t: any) => t.name)).toEqual([`body ${cube} (unit_cube)`, "sphere e = 0.5", "a", "b"]);
    expect(labelled.data[2].line.color).not.toBe(labelled.data[3].line.color);
    const path = plotOutput(run, { x: "x", y: "z", bodies: [3] }).data as any;
    expect(path.layout.xaxis.title.text).toBe("x (m)");
  });

  it("names the problem in bad input", () => {
    expect(() => plotOutput(run, { y: "height" as never })).toThrow("plot: unknown field 'height' (one of x, y, z,");
    expect(() => plotOutput(run, { bodies: [99] })).toThrow("plot: body 99 is not in this trajectory (recorded: 2, 3)");
    expect(() => plotOutput([{ x: [1, 2], y: [1] }])).toThrow("plot: series 0 has 2 x values but 1 y values");
    expect(() => plotOutput(run, { x: "z", theory: { name: "f", y: (t) => t } })).toThrow("is a function of time");
  });
});

describe("showOutput", () => {
  it("packs a recording's poses compactly and exactly (float32)", async () => {
    const out = showOutput(run, { title: "drop" });
    expect(out.libraries).toEqual(["player"]);
    const data = out.data as any;
    expect(data.ids).toEqual([cube, 3]);
    expect(data.times.length).toBe(101);
    const poses = new Float32Array(new Uint8Array(require("zlib").gunzipSync(Buffer.from(data.poses, "base64"))).buffer);
    expect(poses.length).toBe(101 * 2 * 7);
    const t = run.trajectory;
    const f = 50;
    expect(poses[(f * 2) * 7 + 2]).toBeCloseTo(t.position[(f * 2) * 3 + 2], 5);
    expect(out.text).toBe('3D view "drop": 3 bodies (1 environment), 101 frames over 1 s. Interactive in a notebook or report with JavaScript.');
  });

  it("keeps at most maxFrames frames, always the last; shows an engine as one frame", () => {
    const data = showOutput(run, { maxFrames: 10 }).data as any;
    expect(data.times.length).toBeLessThanOrEqual(12);
    expect(data.times[data.times.length - 1]).toBeCloseTo(1, 9);
    const now = showOutput(engine).data as any;
    expect(now.times).toEqual([Number(engine.time.toPrecision(9))]);
    expect(now.ids).toEqual([cube, 3]);
    expect(() => showOutput(run.trajectory)).toThrow("show: a bare Trajectory needs { engine }");
    expect((showOutput(run.trajectory, { engine }).data as any).ids).toEqual([cube, 3]);
    expect(recordingOf(engine, run.trajectory).scene.bodies.length).toBe(3);
  });
});

describe("tableOutput", () => {
  it("tabulates an engine's bodies as HTML and aligned text", () => {
    const out = tableOutput(engine, { digits: 3 });
    expect(out.libraries).toEqual([]);
    expect(out.draw).toBeUndefined();
    const lines = out.text.split("\n");
    expect(lines[0].trim().split(/\s+/)).toEqual(["body", "asset", "environment", "position", "velocity", "orientation", "angular_velocity"]);
    expect(lines.length).toBe(2 + 3);
    expect(out.fallbackHtml).toContain("<th");
    expect(out.fallbackHtml).toContain("(0, 0, -0.5)");
  });

  it("tabulates contacts, a recording's frame and plain rows; escapes and truncates", () => {
    const e = new Engine();
    e.spawnEnvironmentObject("plane", [0, 0, 0]);
    e.spawnInertialObject("unit_cube", [0, 0, 0.5]);
    e.step();
    const contacts = tableOutput(e.getContacts());
    expect(contacts.text).toContain("bodyA");
    expect(contacts.text).toContain("impulse");
    e.dispose();
    expect(tableOutput(run, { frame: 0 }).text).toContain("(0, 0, 3)");
    expect(() => tableOutput(run, { frame: 500 })).toThrow("table: frame must be an integer in [0, 100] (got 500)");
    const rows = Array.from({ length: 60 }, (_, i) => ({ name: `<b>${i}</b>`, value: i / 3 }));
    const out = tableOutput(rows, { maxRows: 5 });
    expect(out.fallbackHtml).toContain("&lt;b&gt;0&lt;/b&gt;");
    expect(out.fallbackHtml).not.toContain("<b>");
    expect(out.text).toContain("… 55 more rows (60 in all)");
    expect(out.text).toContain("0.3333");
  });
});

describe("reports and notebook bundles", () => {
  it("embeds each library once per report and writes the file atomically", () => {
    const report = new Report("Drop <test>");
    report.note("# Heights\nThe cube falls **freely**.");
    report.add(plotOutput(run, { y: "z" })).add(plotOutput(run, { y: "vz" })).add(showOutput(run)).add(tableOutput(engine));
    const html = report.toHtml();
    expect(html.match(/__msdLab\.provide\("plotly"/g)?.length).toBe(1);
    expect(html.match(/__msdLab\.provide\("player"/g)?.length).toBe(1);
    expect(html).toContain("<title>Drop &lt;test&gt;</title>");
    expect(html).toContain("<h2>Heights</h2>\n<p>The cube falls <strong>freely</strong>.</p>");
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing loaded from the network
    // plotly ~2 MB + three.js ~0.25 MB compressed; the data itself is small
    expect(html.length).toBeLessThan(3_000_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msd-report-"));
    const file = report.save(path.join(dir, "sub", "report.html"));
    const written = fs.readFileSync(file, "utf8");
    expect(written.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(written.endsWith("</body></html>")).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["report.html"]);
    fs.rmSync(dir, { recursive: true });
  });

  it("notebook bundles carry text/plain, and a library only until it has been sent once", () => {
    reloadLibraries();
    const first = bundleFor(plotOutput(run));
    const second = bundleFor(plotOutput(run));
    expect(Object.keys(first).sort()).toEqual(["image/svg+xml", "text/html", "text/plain"]);
    expect(first["image/svg+xml"]).toMatch(/^<svg/);
    expect(Object.keys(bundleFor(tableOutput(engine))).sort()).toEqual(["text/html", "text/plain"]);
    expect(first["text/html"]).toContain('__msdLab.provide("plotly"');
    expect(second["text/html"]).not.toContain("__msdLab.provide(");
    expect(second["text/html"].length).toBeLessThan(60_000);
    reloadLibraries();
    expect(bundleFor(plotOutput(run))["text/html"]).toContain('__msdLab.provide("plotly"');
    expect(drawData(second["text/html"]).data.length).toBe(2);
  });

  it("renders the Markdown subset and escapes the rest", () => {
    expect(markdownToHtml("## A <b>\n\n- `x` one\n- [two](https://example.org)\n\nplain *it*")).toBe(
      '<h3>A &lt;b&gt;</h3>\n<ul><li><code>x</code> one</li><li><a href="https://example.org">two</a></li></ul>\n<p>plain <em>it</em></p>',
    );
  });
});
