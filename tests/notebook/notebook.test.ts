/**
 * The headless notebook runner: a temp notebook run by the real kernel (outputs stored exactly as
 * Jupyter stores them, a failing cell stops the run), the HTML report, atomic writes, and the
 * lecture notebook's printed tensors against PyTorch's.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runNotebookFile, type FileRunResult } from "../../kernel/notebook/files";
import { parseNotebook, readNotebook, serializeNotebook, writeAtomic, type Cell, type CodeCell, type Notebook } from "../../kernel/notebook/nbformat";
import { OutputCollector } from "../../kernel/notebook/outputs";
import { renderHtml } from "../../kernel/notebook/html";
import type { Message } from "../../kernel/wire";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const markdown = (source: string): Cell => ({ cell_type: "markdown", metadata: {}, source });
const code = (source: string): Cell => ({ cell_type: "code", metadata: {}, source, execution_count: null, outputs: [] });

const SAMPLE: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [
    markdown("# Sample *notebook*\n\nWhere `a < b` holds."),
    code("console.log('hello');\nconsole.log('world');\nconsole.error('careful');\nconsole.log('again');\n6 * 7"),
    code(`const h = display.html('<b>first</b>');\ndisplay.png('${PNG}', 'one pixel');\nh.update('second <draft>');`),
    code("console.log('gone');\nclearOutput(true);\nconsole.log('kept');\nclearOutput(true);"),
    code("h.update(display.markdown('*third*') && 'third & final');\nconsole.log('<tag> & text');"),
    code(""),
    code("throw new RangeError('too <big>');"),
    code("console.log('never runs');"),
  ],
};

let dir: string;
let out: string;
let run: FileRunResult;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-nb-"));
  out = path.join(dir, "out");
  writeFileSync(path.join(dir, "sample.ipynb"), serializeNotebook(SAMPLE));
  run = await runNotebookFile(path.join(dir, "sample.ipynb"), { outDir: out, html: true });
});

const outputsOf = (nb: Notebook, i: number) => (nb.cells[i] as CodeCell).outputs;
const countOf = (nb: Notebook, i: number) => (nb.cells[i] as CodeCell).execution_count;

test("outputs are stored as Jupyter stores them: merged streams, results, updated displays, cleared output", () => {
  for (const nb of [run.notebook, readNotebook(run.ipynbPath)]) {
    assert.deepEqual(outputsOf(nb, 1), [
      { output_type: "stream", name: "stdout", text: "hello\nworld\n" },
      { output_type: "stream", name: "stderr", text: "careful\n" },
      { output_type: "stream", name: "stdout", text: "again\n" },
      { output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} },
    ]);
    // The update in cell 4 reaches back into cell 2; the markdown display of cell 4 is its own output.
    assert.deepEqual(outputsOf(nb, 2), [
      { output_type: "display_data", data: { "text/plain": "third & final" }, metadata: {} },
      { output_type: "display_data", data: { "image/png": PNG, "text/plain": "one pixel" }, metadata: {} },
    ]);
    assert.deepEqual(outputsOf(nb, 3), [{ output_type: "stream", name: "stdout", text: "kept\n" }]);
    assert.deepEqual(outputsOf(nb, 4), [
      { output_type: "display_data", data: { "text/markdown": "*third*", "text/plain": "*third*" }, metadata: {} },
      { output_type: "stream", name: "stdout", text: "<tag> & text\n" },
    ]);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((i) => countOf(nb, i)), [1, 2, 3, 4, null, 5, null]);
  }
});

test("the first failing cell stops the run and is reported and recorded", () => {
  assert.equal(run.cellsRun, 5);
  assert.deepEqual(run.failure, {
    cellIndex: 6, executionCount: 5, reason: "error", ename: "RangeError", evalue: "too <big>",
    traceback: ["RangeError: too <big>", "    at In[5]:1:7", "In[5] line 1:", "    throw new RangeError('too <big>');", "          ^"],
  });
  assert.deepEqual(outputsOf(run.notebook, 6), [{ output_type: "error", ename: "RangeError", evalue: "too <big>", traceback: run.failure!.traceback }]);
  assert.deepEqual(outputsOf(run.notebook, 7), []);
  assert.deepEqual(readNotebook(run.ipynbPath).metadata.nnlab, { failure: { cell: 6, reason: "error", message: "RangeError: too <big>" } });
});

test("the executed copy is written the way Jupyter writes notebooks", () => {
  const text = readFileSync(run.ipynbPath, "utf8");
  const json = JSON.parse(text) as { cells: { source: unknown; outputs?: { text?: unknown }[] }[] };
  assert.deepEqual(json.cells[1].source, ["console.log('hello');\n", "console.log('world');\n", "console.error('careful');\n", "console.log('again');\n", "6 * 7"]);
  assert.deepEqual(json.cells[1].outputs?.[0].text, ["hello\n", "world\n"]);
  assert.deepEqual(parseNotebook(text), run.notebook);
});

test("the HTML report renders markdown, inlines the PNG, escapes text and shows the error", () => {
  const html = readFileSync(run.htmlPath!, "utf8");
  assert.ok(html.includes("<h1>Sample <em>notebook</em></h1>"), "markdown heading");
  assert.ok(html.includes("<p>Where <code>a &lt; b</code> holds.</p>"), "markdown paragraph");
  assert.ok(html.includes(`<img alt="figure" src="data:image/png;base64,${PNG}">`), "PNG data URI");
  assert.ok(html.includes('<pre class="stream stdout">&#60;tag&#62; &#38; text\n</pre>'), "escaped stdout");
  assert.ok(html.includes('<div class="markdown"><p><em>third</em></p>\n</div>'), "markdown output");
  assert.ok(html.includes('<span class="prompt">Out[1]:</span><pre class="plain">42</pre>'), "execute_result");
  assert.ok(html.includes('<pre class="error">RangeError: too &#60;big&#62;\n    at In[5]:1:7'), "error traceback");
  assert.ok(!/<(script|link)\b|https?:\/\//.test(html), "the page loads nothing from elsewhere");
});

test("files are written atomically: only the two reports are left, and the notebook folder stays clean", () => {
  assert.deepEqual(readdirSync(out).sort(), ["sample.html", "sample.ipynb"]);
  assert.deepEqual(readdirSync(dir).sort(), ["out", "sample.ipynb"]);
});

test("writeAtomic replaces the file by rename (a reader of the old file sees it whole) and cleans up when it fails", () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "nnlab-atomic-"));
  const file = path.join(folder, "report.html");
  writeFileSync(file, "old report");
  const before = statSync(file).ino;
  const fd = openSync(file, "r");
  writeAtomic(file, "new report");
  const buf = Buffer.alloc(64);
  const n = readSync(fd, buf, 0, 64, 0);
  closeSync(fd);
  assert.equal(buf.subarray(0, n).toString(), "old report");
  assert.equal(readFileSync(file, "utf8"), "new report");
  assert.notEqual(statSync(file).ino, before);
  mkdirSync(path.join(folder, "taken.html"));
  assert.throws(() => writeAtomic(path.join(folder, "taken.html"), "x"), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
  assert.deepEqual(readdirSync(folder).sort(), ["report.html", "taken.html"]);
});

test("HTML prefers vega-lite (its SVG kept as the fallback) > html > svg > png > markdown > plain and strips ANSI from tracebacks", async () => {
  const nb: Notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [{
      cell_type: "code", metadata: {}, source: "x", execution_count: 3, outputs: [
        { output_type: "display_data", metadata: {}, data: { "application/vnd.vegalite.v5+json": { mark: "line", title: "</script>" }, "image/svg+xml": "<svg/>", "image/png": PNG, "text/plain": "chart" } },
        { output_type: "display_data", metadata: {}, data: { "image/svg+xml": "<svg/>", "image/png": PNG, "text/plain": "picture" } },
        { output_type: "display_data", metadata: {}, data: { "text/html": "<table></table>", "text/plain": "table" } },
        { output_type: "error", ename: "E", evalue: "v", traceback: ["\u001b[31mE: v\u001b[0m"] },
      ],
    }],
  };
  const html = await renderHtml(nb, "t");
  const svg = `<img alt="figure" src="data:image/svg+xml;base64,${Buffer.from("<svg/>").toString("base64")}">`;
  assert.ok(html.includes(`<figure class="chart"><div class="vega-target"></div><div class="fallback">${svg}</div>` +
    '<script type="application/json" class="vega-spec">{"mark":"line","title":"\\u003c/script>"}</script></figure>'));
  assert.equal(html.split(svg).length - 1, 2);
  assert.ok(!html.includes(PNG));
  assert.ok(html.includes('<div class="html"><table></table></div>'));
  assert.ok(html.includes('<pre class="error">E: v</pre>'));
});

const msg = (msg_type: string, content: Record<string, unknown>): Message =>
  ({ identities: [], header: { msg_id: "m", msg_type, session: "s", username: "u", date: "", version: "5.3" }, parent_header: {}, metadata: {}, content, buffers: [] });

test("clear_output without wait clears at once; with wait, an update does not trigger the clear", () => {
  const c = new OutputCollector();
  const shown = { data: { "text/plain": "a" }, metadata: {}, transient: { display_id: "d" } };
  assert.deepEqual(c.cell([msg("stream", { name: "stdout", text: "x" }), msg("clear_output", { wait: false }), msg("stream", { name: "stdout", text: "y" })]),
    [{ output_type: "stream", name: "stdout", text: "y" }]);
  assert.deepEqual(c.cell([
    msg("display_data", shown), msg("clear_output", { wait: true }),
    msg("update_display_data", { data: { "text/plain": "b" }, metadata: {}, transient: { display_id: "d" } }),
  ]), [{ output_type: "display_data", data: { "text/plain": "b" }, metadata: {} }]);
});

test("notebooks/10-4-convolutional-layer.ipynb prints the lecture's tensors exactly as PyTorch does", async () => {
  const printed = (JSON.parse(readFileSync(path.join(ROOT, "tests", "fixtures", "torch_reference.json"), "utf8")) as
    { slides: { printed: Record<"padding1" | "stride2" | "maxpool2" | "shapes", string> } }).slides.printed;
  const lecture = await runNotebookFile(path.join(ROOT, "notebooks", "10-4-convolutional-layer.ipynb"), { outDir: mkdtempSync(path.join(os.tmpdir(), "nnlab-lecture-")) });
  assert.equal(lecture.failure, undefined, JSON.stringify(lecture.failure));
  const stdout = lecture.notebook.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : []))
    .flatMap((o) => (o.output_type === "stream" && o.name === "stdout" ? [o.text] : []));
  // The first four printouts are the slides'; the last is the check cell's verdict.
  assert.deepEqual(stdout.slice(0, 4), [printed.shapes, printed.padding1, printed.stride2, printed.maxpool2].map((t) => `${t}\n`));
  const pictures = lecture.notebook.cells.filter((c) => c.cell_type === "code")[4] as CodeCell;
  assert.deepEqual(pictures.outputs.map((o) => (o.output_type === "display_data" ? Object.keys(o.data).sort() : o.output_type)),
    [["image/png", "text/plain"], ["image/png", "text/plain"]]);
});

test("a cell that runs past the cell timeout is interrupted and reported", async () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "nnlab-nb-timeout-"));
  const file = path.join(folder, "spin.ipynb");
  writeFileSync(file, serializeNotebook({ ...SAMPLE, cells: [code("let spins = 0;\nwhile (true) { spins++; }"), code("console.log('after')")] }));
  const spun = await runNotebookFile(file, { cellTimeoutMs: 500 });
  assert.equal(spun.cellsRun, 1);
  assert.equal(spun.failure?.ename, "KeyboardInterrupt");
  assert.equal(spun.failure?.reason, "timeout");
  assert.equal(spun.ipynbPath, path.join(folder, "spin.nbconvert.ipynb"), "beside the source, named as nbconvert names it");
  assert.equal(spun.failure?.evalue, "the cell ran longer than the 500 ms cell timeout and was interrupted");
  assert.deepEqual(outputsOf(spun.notebook, 1), []);
});
