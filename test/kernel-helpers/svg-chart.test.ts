// The static SVG fallback for notebook plots: a well-formed standalone document, one path per
// series through the data, nice ticks, breaks at non-finite points, decimation that keeps peaks,
// XML escaping and deterministic output. Checked by parsing the string, not by rendering it.
import { describe, expect, it } from "vitest";
import { ChartSeries, PALETTE, renderSvgChart } from "../../src/kernel-helpers/svg-chart";

interface Point { cmd: string; x: number; y: number }
interface TickLabel { label: string; value: number; pos: number }

/** Tags balance, attributes are quoted, and every `&` outside a tag starts one of XML's entities. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const attr = `\\s+[\\w:-]+="(?:[^"<&]|&(?:amp|lt|gt|quot|apos);)*"`;
  const tagRe = new RegExp(`^<(/?)([a-zA-Z][\\w-]*)((?:${attr})*)\\s*(/?)>$`);
  for (const token of svg.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!token.startsWith("<")) {
      expect(token, "text").not.toMatch(/&(?!(?:amp|lt|gt|quot|apos);)|>/);
      continue;
    }
    const m = tagRe.exec(token);
    expect(m, `tag ${token}`).not.toBeNull();
    const [, closing, name, , selfClosing] = m!;
    if (closing) expect(stack.pop(), `closing ${token}`).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(stack).toEqual([]);
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

function elements(svg: string, pattern: RegExp): string[] {
  return svg.match(new RegExp(pattern.source, "g")) ?? [];
}

function pathData(svg: string, cls: "series-line" | "series-markers"): string[] {
  return elements(svg, new RegExp(`<path class="${cls}"[^>]*>`)).map((tag) => attribute(tag, "d")!);
}

function points(d: string): Point[] {
  return [...d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)].map((m) => ({ cmd: m[1], x: Number(m[2]), y: Number(m[3]) }));
}

function ticks(svg: string, axis: "x" | "y"): TickLabel[] {
  return [...svg.matchAll(new RegExp(`<text x="([^"]*)" y="([^"]*)" class="${axis}tick"[^>]*>([^<]*)</text>`, "g"))].map(
    (m) => ({ label: m[3], value: Number(m[3]), pos: Number(axis === "x" ? m[1] : m[2]) }),
  );
}

function frameBox(svg: string): { left: number; top: number; right: number; bottom: number } {
  const tag = elements(svg, /<rect x="[^"]*"[^>]*fill="none"[^>]*>/)[0];
  const [x, y, w, h] = ["x", "y", "width", "height"].map((n) => Number(attribute(tag, n)));
  return { left: x, top: y, right: x + w, bottom: y + h };
}

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe("renderSvgChart", () => {
  it("writes a well-formed standalone SVG document of the requested size", () => {
    for (const [layout, w, h] of [[{}, 720, 400], [{ width: 300, height: 200 }, 300, 200]] as const) {
      const svg = renderSvgChart([{ name: "", x: [0, 1], y: [0, 1] }], layout);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.endsWith("</svg>")).toBe(true);
      const root = svg.slice(0, svg.indexOf(">") + 1);
      expect([attribute(root, "width"), attribute(root, "height"), attribute(root, "viewBox")]).toEqual([`${w}`, `${h}`, `0 0 ${w} ${h}`]);
      expect(attribute(root, "font-family")).toMatch(/system-ui.*sans-serif/);
      expect(svg).toContain(`<rect width="${w}" height="${h}" fill="#fff"/>`);
      expectWellFormed(svg);
    }
  });

  it("draws one line path per series through every point, in palette or given colours", () => {
    const a: ChartSeries = { name: "a", x: range(50, (i) => i), y: range(50, (i) => i * i) };
    const b: ChartSeries = { name: "b", x: [0, 10, 20, 30, 40, 45, 49], y: [5, 4, 3, 2, 1, 0, -1] };
    const c: ChartSeries = { name: "c", x: [0, 49], y: [0, 100], color: "rebeccapurple" };
    const svg = renderSvgChart([a, b, c]);
    const paths = elements(svg, /<path class="series-line"[^>]*>/);
    expect(paths.map((p) => attribute(p, "stroke"))).toEqual([PALETTE[0], PALETTE[1], "rebeccapurple"]);
    const [pa, pb] = pathData(svg, "series-line").map(points);
    expect(pa.map((p) => p.cmd).join("")).toBe("M" + "L".repeat(49));
    expect(pb.map((p) => p.cmd).join("")).toBe("M" + "L".repeat(6));
    // x grows to the right, y grows upwards (smaller pixel y), and all points lie inside the frame.
    const box = frameBox(svg);
    for (let i = 1; i < pa.length; i++) expect(pa[i].x).toBeGreaterThan(pa[i - 1].x);
    for (let i = 2; i < pa.length; i++) expect(pa[i].y).toBeLessThan(pa[i - 1].y);
    for (const p of [...pa, ...pb]) {
      expect(p.x).toBeGreaterThanOrEqual(box.left);
      expect(p.x).toBeLessThanOrEqual(box.right);
      expect(p.y).toBeGreaterThanOrEqual(box.top);
      expect(p.y).toBeLessThanOrEqual(box.bottom);
    }
  });

  it("draws markers, lines+markers and dashed overlays as asked", () => {
    const x = [0, 1, 2, 3];
    const svg = renderSvgChart([
      { name: "m", x, y: [1, 2, 3, 4], mode: "markers" },
      { name: "lm", x, y: [4, 3, 2, 1], mode: "lines+markers" },
      { name: "theory", x, y: [2, 2, 3, 3], dash: true },
    ]);
    const markers = pathData(svg, "series-markers");
    expect(markers).toHaveLength(2);
    for (const d of markers) expect(d.match(/M[^M]*h0/g)).toHaveLength(4);
    const lines = elements(svg, /<path class="series-line"[^>]*>/);
    expect(lines).toHaveLength(2);
    expect(lines.map((p) => attribute(p, "stroke-dasharray"))).toEqual([undefined, "6,4"]);
    // The legend shows the same styles: a dot, a line and a dot, a dashed line.
    expect(elements(svg, /<circle [^>]*>/)).toHaveLength(2);
    expect(elements(svg, /<line [^>]*stroke-dasharray="6,4"[^>]*>/)).toHaveLength(1);
  });

  it("breaks the line at non-finite points and leaves them out of the ranges", () => {
    const svg = renderSvgChart([
      { name: "", x: [0, 1, 2, 3, 4], y: [1, 2, NaN, 4, 5] },
      { name: "", x: [0, 1, Infinity, 3, 4], y: [5, 4, 3, -Infinity, 1] },
    ]);
    const [first, second] = pathData(svg, "series-line").map(points);
    expect(first.map((p) => p.cmd).join("")).toBe("MLML");
    expect(second.map((p) => p.cmd).join("")).toBe("MLM"); // a lone "M" draws nothing, as in plotly
    const yValues = ticks(svg, "y").map((t) => t.value);
    expect(Math.min(...yValues)).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...yValues)).toBeLessThanOrEqual(5.2);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expectWellFormed(svg);
  });

  it("labels the axes with 5 to 8 nice ticks (1, 2 or 5 × 10^k apart) at the right positions", () => {
    const cases: Array<[number, number]> = [[0, 1], [0, 0.3], [-3, 17], [0.1, 0.7], [1, 1000], [-2.5, 2.5], [123456, 123789], [1e6, 1e6 + 3]];
    for (const [lo, hi] of cases) {
      const svg = renderSvgChart([{ name: "", x: [lo, hi], y: [hi, lo] }]);
      const box = frameBox(svg);
      for (const axis of ["x", "y"] as const) {
        const t = ticks(svg, axis);
        const context = `${axis} ticks for [${lo}, ${hi}]: ${t.map((k) => k.label).join(" ")}`;
        expect(t.length, context).toBeGreaterThanOrEqual(4);
        expect(t.length, context).toBeLessThanOrEqual(10);
        for (const k of t) expect(String(k.value), context).toBe(k.label); // shortest form, no float noise
        const step = t[1].value - t[0].value;
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
        expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), context).toBe(true);
        // Positions are linear in the values, up to the 0.1 px rounding of each.
        const perUnit = (t[t.length - 1].pos - t[0].pos) / (t[t.length - 1].value - t[0].value);
        for (let i = 1; i < t.length; i++) {
          expect(t[i].value - t[i - 1].value, context).toBeCloseTo(step, 9);
          expect(Math.abs(t[i].pos - (t[0].pos + (t[i].value - t[0].value) * perUnit)), context).toBeLessThanOrEqual(0.11);
        }
        const [min, max] = axis === "x" ? [box.left, box.right] : [box.top, box.bottom];
        for (const k of t) expect(k.pos >= min && k.pos <= max, context).toBe(true);
      }
    }
    // Typical ranges land in the 5-8 band.
    for (const [lo, hi] of [[0, 1], [0, 0.3], [0.1, 0.7], [-2.5, 2.5]]) {
      const n = ticks(renderSvgChart([{ name: "", x: [0, 1], y: [lo, hi] }]), "y").length;
      expect(n >= 5 && n <= 8, `[${lo}, ${hi}] gives ${n} ticks`).toBe(true);
    }
    expect(ticks(renderSvgChart([{ name: "", x: [0, 1], y: [0, 0.3] }]), "y").map((t) => t.label)).toContain("0.3");
  });

  it("switches tick labels to exponent notation for very large and very small magnitudes", () => {
    for (const [hi, pattern] of [[3e7, /^(0|\d(\.\d+)?e[67])$/], [3e-6, /^(0|\d(\.\d+)?e-[67])$/]] as const) {
      const t = ticks(renderSvgChart([{ name: "", x: [0, 1], y: [0, hi] }]), "y");
      for (const k of t) expect(k.label).toMatch(pattern);
      expect(t[t.length - 1].value).toBeGreaterThan(hi * 0.7);
      expect(t[t.length - 1].value).toBeLessThanOrEqual(hi * 1.04);
    }
    for (const k of ticks(renderSvgChart([{ name: "", x: [0, 1], y: [-40, 900] }]), "y")) expect(k.label).not.toContain("e");
  });

  it("gives constant data a range around it", () => {
    const svg = renderSvgChart([{ name: "", x: [2, 2, 2], y: [5, 5, 5] }]);
    expect(ticks(svg, "y").map((t) => t.label)).toContain("5");
    expect(ticks(svg, "x").map((t) => t.label)).toContain("2");
    const box = frameBox(svg);
    for (const p of points(pathData(svg, "series-line")[0])) {
      expect(p.y).toBeCloseTo((box.top + box.bottom) / 2, 0);
      expect(p.x).toBeCloseTo((box.left + box.right) / 2, 0);
    }
    const zeros = renderSvgChart([{ name: "", x: [0], y: [0], mode: "markers" }]);
    expect(ticks(zeros, "y").map((t) => t.label)).toContain("0");
    expect(zeros).not.toMatch(/NaN|Infinity/);
  });

  it("renders an empty chart with a note, instead of throwing, when there is nothing finite to plot", () => {
    const empties: ChartSeries[][] = [
      [],
      [{ name: "", x: [], y: [] }],
      [{ name: "s", x: [0, 1, 2], y: [NaN, Infinity, -Infinity] }],
      [{ name: "", x: new Float64Array(3), y: [] }],
      [{ name: "", x: [-1e308, 1e308], y: [0, 1] }], // span not representable
    ];
    for (const series of empties) {
      const svg = renderSvgChart(series, { title: "t", xLabel: "x", yLabel: "y" });
      expect(svg).toContain(">no data</text>");
      expect(svg).not.toContain("<path");
      expect(svg).not.toMatch(/NaN|Infinity/);
      expectWellFormed(svg);
    }
    const partly = renderSvgChart([{ name: "none", x: [], y: [] }, { name: "some", x: [0, 1], y: [0, 1] }]);
    expect(partly).not.toContain("no data");
    expect(pathData(partly, "series-line")).toHaveLength(1);
  });

  it("escapes names, labels, title and colours for XML", () => {
    const svg = renderSvgChart(
      [{ name: `a<b & "c" 'd'`, x: [0, 1], y: [0, 1], color: `red" onload="alert(1)` }],
      { title: "<script>alert(1)</script>", xLabel: "x & y", yLabel: `"q" > 'p'\u0001` },
    );
    expectWellFormed(svg);
    expect(svg).toContain(">a&lt;b &amp; &quot;c&quot; &apos;d&apos;</text>");
    expect(svg).toContain(">&lt;script&gt;alert(1)&lt;/script&gt;</text>");
    expect(svg).toContain(">x &amp; y</text>");
    expect(svg).toContain(">&quot;q&quot; &gt; &apos;p&apos;</text>");
    expect(svg).not.toContain("<script");
    expect(svg).not.toMatch(/\sonload="/);
  });

  it("decimates long series to about 2000 points but keeps each spike's extreme pixel", () => {
    const n = 200_000;
    const x = Float64Array.from(range(n, (i) => i * 0.001));
    const y = Float64Array.from(range(n, (i) => 0.1 * Math.sin(i * 0.01)));
    y[123_457] = 10;
    y[54_321] = -7;
    const svg = renderSvgChart([{ name: "", x, y }]);
    const decimated = points(pathData(svg, "series-line")[0]);
    expect(decimated.length).toBeLessThanOrEqual(2002);
    expect(decimated.length).toBeGreaterThan(1000);
    expect(decimated.filter((p) => p.cmd === "M")).toHaveLength(1);
    expect(svg.length).toBeLessThan(100_000);
    // Same data bounds, so the same scale: the spike and the dip must land on the same pixels.
    const reference = renderSvgChart([{ name: "", x: [0, x[54_321], x[123_457], x[n - 1]], y: [0, -7, 10, 0] }]);
    const [, dip, spike] = points(pathData(reference, "series-line")[0]);
    expect(decimated).toContainEqual({ cmd: "L", x: spike.x, y: spike.y });
    expect(decimated).toContainEqual({ cmd: "L", x: dip.x, y: dip.y });
    expect(Math.min(...decimated.map((p) => p.y))).toBe(spike.y);
    expect(Math.max(...decimated.map((p) => p.y))).toBe(dip.y);
  });

  it("rounds every coordinate to 0.1 px", () => {
    const svg = renderSvgChart(
      [{ name: "s", x: range(300, (i) => Math.PI * i), y: range(300, (i) => Math.sqrt(i) / 7), mode: "lines+markers" }],
      { title: "t", xLabel: "x", yLabel: "y", width: 333.33, height: 222.22 },
    );
    const numbers = [
      ...[...svg.matchAll(/\s(?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"/g)].map((m) => m[1]),
      ...[...svg.matchAll(/ d="([^"]*)"/g)].flatMap((m) => m[1].match(/-?[\d.]+/g) ?? []),
    ];
    expect(numbers.length).toBeGreaterThan(600);
    for (const v of numbers) expect(v).toMatch(/^-?\d+(\.\d)?$/);
  });

  it("places a legend beside the plot area when there are several or named series", () => {
    const legendTexts = (svg: string): string[] => [...svg.matchAll(/class="legend"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(legendTexts(renderSvgChart([{ name: "", x: [0, 1], y: [0, 1] }]))).toEqual([]);
    expect(legendTexts(renderSvgChart([{ name: "z", x: [0, 1], y: [0, 1] }]))).toEqual(["z"]);
    const long = "a very long series name that would never fit in a legend";
    const svg = renderSvgChart([
      { name: "", x: [0, 1], y: [0, 1] },
      { name: "", x: [0, 1], y: [1, 0] },
      { name: long, x: [0, 1], y: [1, 1] },
    ]);
    const names = legendTexts(svg);
    expect(names.slice(0, 2)).toEqual(["trace 0", "trace 1"]);
    expect(names[2].endsWith("…") && long.startsWith(names[2].slice(0, -1))).toBe(true);
    const box = frameBox(svg);
    const lastXTick = Math.max(...ticks(svg, "x").map((t) => t.pos));
    for (const tag of elements(svg, /<text [^>]*class="legend"[^>]*>[^<]*<\/text>/)) {
      const x = Number(attribute(tag, "x"));
      expect(x).toBeGreaterThan(box.right + 20);
      expect(x).toBeGreaterThan(lastXTick + 30);
      expect(x + Array.from(tag.replace(/<[^>]*>/g, "")).length * 7).toBeLessThanOrEqual(720);
    }
  });

  it("writes the title and axis titles", () => {
    const svg = renderSvgChart([{ name: "", x: [0, 1], y: [0, 1] }], { title: "Free fall", xLabel: "t (s)", yLabel: "z (m)" });
    expect(svg).toMatch(/class="title"[^>]*font-size="17">Free fall</);
    expect(svg).toMatch(/class="xlabel"[^>]*>t \(s\)</);
    expect(svg).toMatch(/class="ylabel" transform="translate\(20,[\d.]+\) rotate\(-90\)"[^>]*>z \(m\)</);
  });

  it("is deterministic and treats typed arrays like plain arrays", () => {
    const x = range(5000, (i) => i / 100);
    const y = range(5000, (i) => Math.exp(-i / 1000) * Math.abs(Math.cos(i / 50)));
    const make = (): ChartSeries[] => [
      { name: "sim", x, y },
      { name: "theory", x: Float64Array.from(x), y: Float64Array.from(y), dash: true },
    ];
    const once = renderSvgChart(make(), { title: "bounce" });
    expect(renderSvgChart(make(), { title: "bounce" })).toBe(once);
    const [plain, typed] = pathData(once, "series-line");
    expect(typed).toBe(plain);
  });
});
