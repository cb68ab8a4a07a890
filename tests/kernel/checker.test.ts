/**
 * The type checker worker on its own: the light builder (a cell's local imports, transitively),
 * and Node's declarations loaded only when a cell needs them, without changing what any cell
 * compiles to or which errors it gets. The worker runs in a temp folder holding local .ts files.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { WorkerClient } from "../../kernel/rpc";
import { preludeBindings, preludeSource, PRELUDE_NAMES } from "../../kernel/prelude";
import type { CheckerHandlers } from "../../kernel/checker";

const CHECKER = path.join(__dirname, "..", "..", "kernel", "checker.js");
const folder = mkdtempSync(path.join(os.tmpdir(), "nnlab-checker-"));
writeFileSync(path.join(folder, "helper.ts"), "import { half } from './util';\nexport const quarter = (x: number): number => half(half(x));\n");
writeFileSync(path.join(folder, "util.ts"), "export const half = (x: number): number => x / 2;\n");
process.chdir(folder);

const checkers: WorkerClient<CheckerHandlers>[] = [];
after(async () => { await Promise.all(checkers.map((c) => c.worker.terminate())); });

/** A checker with the prelude committed, as the kernel starts one. */
async function startChecker(): Promise<WorkerClient<CheckerHandlers>> {
  const checker = new WorkerClient<CheckerHandlers>(CHECKER, () => undefined);
  checkers.push(checker);
  const prelude = await checker.call("compile", preludeSource(preludeBindings(PRELUDE_NAMES)));
  assert.equal(prelude.ok, true, JSON.stringify(prelude.diagnostics));
  await checker.call("commit", prelude.compiled!.declOutput);
  return checker;
}

/** Compiles and commits `code`, as the kernel does for a cell that ran. */
async function cell(checker: WorkerClient<CheckerHandlers>, code: string) {
  const r = await checker.call("compile", code);
  if (r.ok) await checker.call("commit", r.compiled!.declOutput);
  return r;
}

const nodeLoaded = async (checker: WorkerClient<CheckerHandlers>) =>
  (await checker.call("programFiles")).some((f) => f.includes("/@types/node/"));

let checker: WorkerClient<CheckerHandlers>;
before(async () => { checker = await startChecker(); });

test("cells that use only the library, console, timers and performance do not load Node's declarations", async () => {
  for (const code of ["1 + 1", "const x = torch.zeros(2, 3); x.shape", "console.log(performance.now()); const t = setTimeout(() => undefined, 1); clearTimeout(t)"]) {
    const r = await cell(checker, code);
    assert.equal(r.ok, true, `${code}: ${JSON.stringify(r.diagnostics)}`);
  }
  const files = await checker.call("programFiles");
  assert.equal(await nodeLoaded(checker), false, "Node's declarations were loaded");
  assert.ok(!files.some((f) => f.endsWith("tfjs-core/dist/index.d.ts")), "tfjs-core's index was loaded");
  assert.ok(!files.some((f) => f.includes("/@webgpu/types/")), "WebGPU's declarations were loaded");
  assert.ok(!files.some((f) => f.includes("/vega-typings/") || f.includes("/vega-lite/build/src/spec/")), "Vega's declarations were loaded");
  assert.ok(files.length < 260, `${files.length} files in the program`);
});

test("a cell's local imports are emitted beside it, transitively", async () => {
  const r = await cell(checker, "import { quarter } from './helper';\nquarter(8)");
  assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
  const emitted = r.compiled!.sideOutputs.map((s) => path.basename(s.path)).sort();
  assert.deepEqual(emitted, ["helper.js", "util.js"]);
  const helper = r.compiled!.sideOutputs.find((s) => s.path.endsWith("helper.js"))!.data;
  assert.match(helper, /exports\.quarter = /, "a local module is emitted as CommonJS");
  assert.match(helper, /require\("\.\/util"\)/);
  assert.doesNotMatch(helper, /^\s*(?:import|export)\b/m);
});

test("process.env needs no Node declarations; the first cell using more of Node loads them, earlier names stay", async () => {
  const c = await startChecker();
  assert.equal((await cell(c, "const before = 41")).ok, true);
  const env = await cell(c, "const home = process.env.HOME; home === undefined ? before : before + 1");
  assert.equal(env.ok, true, JSON.stringify(env.diagnostics));
  assert.equal(await nodeLoaded(c), false);
  const r = await cell(c, "process.memoryUsage().rss > before");
  assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
  assert.equal(await nodeLoaded(c), true);
  const fs = await cell(c, "import * as fs from 'node:fs'; const n: NodeJS.Timeout = setTimeout(() => undefined, 1); fs.existsSync('/') && home !== ''");
  assert.equal(fs.ok, true, JSON.stringify(fs.diagnostics));
});

test("a cell naming a WebGPU type loads WebGPU's declarations with Node's; tfjs-core's GPU members are typed again", async () => {
  const c = await startChecker();
  const r = await cell(c, "const usage: GPUBufferUsageFlags = 4; let buffer: GPUBuffer | undefined; buffer === undefined && usage === 4");
  assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
  assert.ok((await c.call("programFiles")).some((f) => f.includes("/@webgpu/types/")));
  const wrong = await cell(c, "const size: string = buffer!.size");
  assert.equal(wrong.ok, false, "GPUBuffer.size is a number once WebGPU's declarations are in");
  assert.match(wrong.diagnostics[0]!.messageText, /number.*string/);
});

test("charts type-check without Vega's declarations; a cell naming a Vega-Lite spec loads them and gets its real errors", async () => {
  const c = await startChecker();
  const chart = await cell(c, "const chart = plot.line({ x: [1, 2, 3], y: { loss: [3, 2, 1] }, title: 'loss' }); chart");
  assert.equal(chart.ok, true, JSON.stringify(chart.diagnostics));
  assert.equal(await nodeLoaded(c), false);
  const spec = await cell(c, "display.vegaLite({ data: { values: [] }, mark: 'lin', encoding: {} })");
  assert.equal(spec.ok, false, "a misspelt mark passed as a Vega-Lite spec");
  assert.match(spec.diagnostics.map((d) => d.messageText).join("\n"), /"lin"/);
  assert.ok((await c.call("programFiles")).some((f) => f.includes("/vega-lite/build/src/spec/")));
  const width = await cell(c, "const w: string = chart.spec.width");
  assert.equal(width.ok, false, "a chart's spec is typed once Vega-Lite's declarations are in");
});

test("every way a cell can write a Vega-Lite spec loads Vega-Lite's declarations first", async () => {
  for (const code of [
    "plot.spec({ mark: 'lin', data: { values: [] } })",
    "new plot.Chart({ mark: 'lin', data: { values: [] } })",
    "const { spec } = plot.line({ y: [1, 2] }); const m: number = spec.mark",
  ]) {
    const c = await startChecker();
    const r = await cell(c, code);
    assert.equal(r.ok, false, `${code}: a wrong spec type-checked`);
    assert.ok((await c.call("programFiles")).some((f) => f.includes("/vega-lite/build/src/spec/")), code);
  }
});

test("every name the library's declarations import from a package the lite checker stands in for is declared by the stand-in", () => {
  const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
  const { LITE_PACKAGE_FILES } = require("../../kernel/lite-globals") as typeof import("../../kernel/lite-globals");
  const standIns: Record<string, string> = { "vega-lite": "/vega-lite/build/src/index.d.ts", vega: "/vega/index.d.ts" };
  const libDir = path.join(__dirname, "..", "..", "lib");
  const files = readdirSync(libDir, { recursive: true }).map(String).filter((f) => f.endsWith(".d.ts"));
  let imported = 0;
  for (const f of files) {
    const sf = ts.createSourceFile(f, readFileSync(path.join(libDir, f), "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: import("typescript").Node): void => {
      let from: string | undefined;
      let names: string[] = [];
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        from = node.moduleSpecifier.text;
        const bindings = node.importClause?.namedBindings;
        names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : ["*"];
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        from = node.argument.literal.text;
        names = [node.qualifier ? node.qualifier.getText(sf).split(".")[0]! : "*"];
      }
      const standIn = from === undefined ? undefined : standIns[from];
      if (standIn) {
        const text = LITE_PACKAGE_FILES.find((p) => p.suffix === standIn)!.text;
        for (const name of names) {
          imported++;
          assert.match(text, new RegExp(`\\b${name}\\b`), `lib/${f} imports ${name} from ${from}: declare it in LITE_PACKAGE_FILES (kernel/lite-globals.ts)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  assert.ok(imported >= 3, `only ${imported} imports from vega and vega-lite found: is the test reading dist/lib?`);
});

test("help on a library name keeps the lite program; help on a JavaScript built-in loads the documented default library", async () => {
  const c = await startChecker();
  const zeros = await c.call("inspect", "torch.zeros", 11);
  assert.equal(zeros.found, true);
  assert.match(zeros.data["text/plain"]!, /zeros/);
  assert.equal(await nodeLoaded(c), false);
  const max = await c.call("inspect", "Math.max", 8);
  assert.equal(max.found, true);
  assert.match(max.data["text/plain"]!, /Returns the larger of a set of supplied numeric expressions/);
  assert.equal(await nodeLoaded(c), true);
});

test("the default library reads as one file, lite and with Node's declarations (which reference es2020 again)", async () => {
  const c = await startChecker();
  const libs = async () => (await c.call("programFiles")).filter((f) => /\/lib\.[\w.]+\.d\.ts$/.test(f));
  assert.deepEqual((await libs()).map((f) => path.basename(f)), ["lib.es2022.d.ts"]);
  const es2022 = await cell(c, "const last: number | undefined = [1, 2, 3].at(-1); Object.hasOwn({ a: 1 }, 'a') && last === 3");
  assert.equal(es2022.ok, true, JSON.stringify(es2022.diagnostics));
  const node = await cell(c, "import * as os from 'node:os'; const bad: string = [1, 2].at(0); os.EOL");
  assert.equal(await nodeLoaded(c), true);
  assert.deepEqual(node.diagnostics.map((d) => d.code), [2322], "one error, the cell's: no duplicate declarations from the library read twice");
  assert.deepEqual((await libs()).map((f) => path.basename(f)), ["lib.es2022.d.ts"]);
});

test("oneFileLibrary inlines what a library references once, and libraries already inlined read empty", () => {
  const { oneFileLibrary } = require("../../kernel/default-lib") as typeof import("../../kernel/default-lib");
  const files: Record<string, string> = {
    top: '/// <reference no-default-lib="true"/>\n/// <reference lib="a" />\n/// <reference lib="b" />\ninterface Top {}\n',
    a: '/// <reference lib="b" />\ninterface A {}\n',
    b: "interface B {}\n",
    extra: '/// <reference lib="b" />\n/// <reference lib="c" />\ninterface Extra {}\n',
    c: "interface C {}\n",
  };
  const read = oneFileLibrary(["top"], (name) => files[name]);
  const top = read("top")!;
  assert.equal(top.match(/interface B/g)?.length, 1);
  assert.ok(top.indexOf("interface B") < top.indexOf("interface A") && top.indexOf("interface A") < top.indexOf("interface Top"), top);
  assert.doesNotMatch(top, /reference lib=/);
  assert.match(top, /no-default-lib/);
  assert.equal(read("a"), "");
  assert.equal(read("b"), "");
  assert.equal(read("extra"), "interface C {}\ninterface Extra {}\n");
  assert.equal(read("missing"), undefined);
  assert.equal(read("top"), top, "read again (a new program of a new converter)");
});

test("the default library without doc comments declares what it declared", () => {
  const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
  const { withoutDocComments } = require("../../kernel/default-lib") as typeof import("../../kernel/default-lib");
  const libDir = path.dirname(ts.getDefaultLibFilePath({}));
  const libs = readdirSync(libDir).filter((f) => /^lib\.es(5|20\d\d)[\w.]*\.d\.ts$/.test(f));
  assert.ok(libs.length > 40, `${libs.length} lib files`);
  const shape = (text: string) => {
    const sf = ts.createSourceFile("lib.d.ts", text, ts.ScriptTarget.ES2022, true);
    const parseErrors = (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length;
    const names: string[] = [];
    const visit = (n: import("typescript").Node): void => {
      const name = (n as { name?: import("typescript").Node }).name;
      if (name && ts.isIdentifier(name)) names.push(name.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return { parseErrors, names: names.join(",") };
  };
  let saved = 0;
  for (const lib of libs) {
    const text = readFileSync(path.join(libDir, lib), "utf8");
    const lite = withoutDocComments(text);
    saved += text.length - lite.length;
    assert.deepEqual(shape(lite), shape(text), lib);
    assert.ok(!lite.includes("/**"), `${lib} keeps a doc comment`);
  }
  assert.ok(saved > 200_000, `only ${saved} characters of doc comments removed`);
});

test("a type error is reported as with Node's declarations (they are loaded to check it)", async () => {
  const c = await startChecker();
  const r = await cell(c, "const z: number = 'x'");
  assert.equal(r.ok, false);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.start.line, d.start.character]), [[2322, 0, 6]]);
  assert.equal(await nodeLoaded(c), true);
});

test("completing a Node name loads Node's declarations first: all of process, not only process.env", async () => {
  const c = await startChecker();
  const done = await c.call("complete", "process.e", 9);
  assert.ok(done.matches.includes("env") && done.matches.includes("exit"), JSON.stringify(done.matches));
});
