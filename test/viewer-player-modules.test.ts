// The trajectory player's module graph (src/viewer/notebook-player.js and everything it imports)
// must load from blob: URLs in notebook outputs, after the kernel rewrites its static import
// specifiers. So every module uses only static top-level `import … from "<specifier>"` statements
// whose specifiers are exactly "three", "three/addons/…" or "./name.js"; no dynamic import(), no
// import.meta, no fetches; and the player puts no ids or global CSS into the page.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const VIEWER = path.resolve(__dirname, "..", "src", "viewer");
const THREE_JSM = path.resolve(__dirname, "..", "node_modules", "three", "examples", "jsm");
const ALLOWED = /^(three|three\/addons\/[\w./-]+\.js|\.\/[\w-]+\.js)$/;

/** Source without comments (block and whole-line/trailing // comments; no strings here contain them). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");
}

/** Specifiers of the module's static imports; throws on any import it cannot read as one. */
function staticImports(file: string): string[] {
  const text = code(fs.readFileSync(file, "utf8"));
  const statements = text.match(/^\s*import\b[^;]*;/gm) ?? [];
  const specifiers = statements.map((statement) => {
    const m = /^\s*import\s+(?:[\w*{}\s,]+\s+from\s+)?"([^"]+)"\s*;$/.exec(statement);
    if (!m) throw new Error(`${path.basename(file)}: not a plain static import: ${statement.trim()}`);
    return m[1];
  });
  const anyImport = text.match(/\bimport\b/g)?.length ?? 0;
  expect(anyImport, `${path.basename(file)}: every "import" is a top-level static import statement`).toBe(statements.length);
  return specifiers;
}

function graph(entry: string): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length) {
    const name = pending.pop()!;
    if (modules.has(name)) continue;
    const specifiers = staticImports(path.join(VIEWER, name));
    modules.set(name, specifiers);
    for (const s of specifiers) if (s.startsWith("./")) pending.push(s.slice(2));
  }
  return modules;
}

describe("notebook-player.js module graph", () => {
  const modules = graph("notebook-player.js");

  it("includes the 3D view and its helpers", () => {
    expect([...modules.keys()].sort()).toEqual(["body-colors.js", "frame-interpolator.js", "notebook-player.js", "scene-view.js"]);
  });

  for (const [name, specifiers] of modules) {
    it(`${name}: only "three", "three/addons/…" and "./name.js" static imports, all resolvable`, () => {
      for (const s of specifiers) {
        expect(s, `${name} imports ${s}`).toMatch(ALLOWED);
        if (s.startsWith("./")) expect(fs.existsSync(path.join(VIEWER, s)), `${name}: ${s} exists`).toBe(true);
        if (s.startsWith("three/addons/")) expect(fs.existsSync(path.join(THREE_JSM, s.slice("three/addons/".length))), `${name}: ${s} exists`).toBe(true);
      }
    });

    it(`${name}: no dynamic import(), import.meta, fetch, XMLHttpRequest or export-from`, () => {
      const text = code(fs.readFileSync(path.join(VIEWER, name), "utf8"));
      expect(text).not.toMatch(/\bimport\s*\(/);
      expect(text).not.toMatch(/\bimport\s*\.\s*meta\b/);
      expect(text).not.toMatch(/\bfetch\s*\(/);
      expect(text).not.toMatch(/XMLHttpRequest/);
      expect(text).not.toMatch(/^\s*export\s+[^;]*\bfrom\b/m);
    });
  }

  it("the player sets no ids and touches no global styles", () => {
    const text = code(fs.readFileSync(path.join(VIEWER, "notebook-player.js"), "utf8"));
    expect(text).not.toMatch(/\.id\s*=|getElementById|setAttribute\(\s*"id"/);
    expect(text).not.toMatch(/document\.(head|body|documentElement)/);
    // every selector of its stylesheet is scoped under .msd-player
    const css = /const STYLE = `([\s\S]*?)`;/.exec(text)?.[1] ?? "";
    const selectors = css.replace(/\{[^}]*\}/g, "\n").split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
    expect(selectors.length).toBeGreaterThan(5);
    for (const selector of selectors) expect(selector, "a selector scoped to the player").toMatch(/^\.msd-player\b/);
  });
});
