/**
 * `nnlab run` as a user runs it (the built CLI in a child process, the real kernel): where the
 * files go, the one line per notebook, exit codes, nbconvert's raises-exception tag and
 * --allow-errors, and the headless runner's faults (issue 9): a killed kernel, malformed
 * notebooks, an unusable --out, a cell that ignores the interrupt.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI } from "../../kernel/notebook/client";
import { runNotebook } from "../../kernel/notebook/execute";
import { parseNotebook, readNotebook, serializeNotebook, type Cell, type CodeCell, type Notebook } from "../../kernel/notebook/nbformat";
import { NotebookFormatError } from "../../kernel/errors";

const code = (source: string, tags?: string[]): Cell =>
  ({ cell_type: "code", metadata: tags ? { tags } : {}, source, execution_count: null, outputs: [] });
const notebook = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

function folderWith(files: Record<string, Notebook | string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-run-"));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === "string" ? content : serializeNotebook(content));
  }
  return dir;
}

interface Ran { code: number | null; stdout: string; stderr: string; lines: string[] }

/** `node SCRIPT ARGS` in `cwd` with `env` added. */
function node(cwd: string, env: Record<string, string>, script: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, lines: stdout.split("\n").filter((l) => l !== "" && !l.startsWith("  ")) }));
  });
}

/** `nnlab run ARGS` in `cwd`, as a user types it. */
const nnlabRun = (cwd: string, ...args: string[]): Promise<Ran> => node(cwd, {}, CLI, "run", ...args);

const ROOT = path.resolve(__dirname, "..", "..", "..");
const outputsOf = (nb: Notebook, i: number) => (nb.cells[i] as CodeCell).outputs;

const CHECKED = notebook(
  { cell_type: "markdown", metadata: {}, source: "# Checked" },
  code("const answer = 6 * 7;\nanswer"),
  code("if (answer !== 42) throw new Error('answer is not 42');\nconsole.log('check passed');", ["check"]),
);

test("nnlab run writes NAME.nbconvert.ipynb beside the source, leaves the source untouched and prints one line with cells and checks", async () => {
  const dir = folderWith({ "checked.ipynb": CHECKED });
  const before = readFileSync(path.join(dir, "checked.ipynb"), "utf8");
  const ran = await nnlabRun(dir, "checked.ipynb");
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.equal(ran.lines.length, 1, ran.stdout);
  assert.match(ran.lines[0]!, /^ok {3}checked\.ipynb: 2 cells, checks 1\/1 passed, \d+\.\d s -> checked\.nbconvert\.ipynb$/);
  assert.equal(readFileSync(path.join(dir, "checked.ipynb"), "utf8"), before);
  assert.deepEqual(readdirSync(dir).sort(), ["checked.ipynb", "checked.nbconvert.ipynb"]);
  const executed = readNotebook(path.join(dir, "checked.nbconvert.ipynb"));
  assert.deepEqual(outputsOf(executed, 1), [{ output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} }]);
  assert.deepEqual(outputsOf(executed, 2), [{ output_type: "stream", name: "stdout", text: "check passed\n" }]);
  assert.equal(executed.metadata.nnlab, undefined, "a successful run is not marked");
});

test("nnlab run --out DIR --html writes NAME.ipynb and NAME.html into DIR; --inplace writes over the source", async () => {
  const dir = folderWith({ "checked.ipynb": CHECKED });
  const out = await nnlabRun(dir, "checked.ipynb", "--out", "reports/new", "--html");
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.match(out.lines[0]!, /-> reports\/new\/checked\.ipynb, reports\/new\/checked\.html$/);
  assert.deepEqual(readdirSync(path.join(dir, "reports", "new")).sort(), ["checked.html", "checked.ipynb"]);
  assert.match(readFileSync(path.join(dir, "reports", "new", "checked.html"), "utf8"), /check passed/);

  const inplace = await nnlabRun(dir, "checked.ipynb", "--inplace");
  assert.equal(inplace.code, 0, inplace.stdout + inplace.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ["checked.ipynb", "reports"]);
  assert.deepEqual(outputsOf(readNotebook(path.join(dir, "checked.ipynb")), 2), [{ output_type: "stream", name: "stdout", text: "check passed\n" }]);
});

test("an error in a cell tagged raises-exception is expected; an untagged error fails its notebook (exit 1) and stops it there", async () => {
  const dir = folderWith({
    "expected.ipynb": notebook(code("throw new TypeError('on purpose')", ["raises-exception"]), code("console.log('went on')")),
    "broken.ipynb": notebook(code("console.log('first')"), code("throw new RangeError('wrong')"), code("console.log('never')")),
  });
  const ran = await nnlabRun(dir, "expected.ipynb", "broken.ipynb");
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.match(ran.lines[0]!, /^ok {3}expected\.ipynb: 2 cells, /);
  assert.match(ran.lines[1]!, /^FAIL broken\.ipynb: 2 cells, /);
  assert.match(ran.stdout, /\n {2}cell 1 \(In\[2\]\) failed: RangeError: wrong\n/);
  assert.equal(ran.lines[2], "1 of 2 notebooks failed");
  const expected = readNotebook(path.join(dir, "expected.nbconvert.ipynb"));
  assert.equal(outputsOf(expected, 0)[0]?.output_type, "error");
  assert.deepEqual(outputsOf(expected, 1), [{ output_type: "stream", name: "stdout", text: "went on\n" }]);
  const broken = readNotebook(path.join(dir, "broken.nbconvert.ipynb"));
  assert.deepEqual(outputsOf(broken, 2), []);
  assert.deepEqual(broken.metadata.nnlab, { failure: { cell: 1, reason: "error", message: "RangeError: wrong" } });
});

test("nnlab run --allow-errors records every error, runs every cell and exits 0, as nbconvert does", async () => {
  const dir = folderWith({ "broken.ipynb": notebook(code("throw new RangeError('wrong')"), code("console.log('still ran')")) });
  const ran = await nnlabRun(dir, "broken.ipynb", "--allow-errors");
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.lines[0]!, /^ok {3}broken\.ipynb: 2 cells, 1 cell error allowed, /);
  const executed = readNotebook(path.join(dir, "broken.nbconvert.ipynb"));
  assert.equal(outputsOf(executed, 0)[0]?.output_type, "error");
  assert.deepEqual(outputsOf(executed, 1), [{ output_type: "stream", name: "stdout", text: "still ran\n" }]);
});

test("a killed kernel: the partial notebook is written and marked failed, one line names the file and the reason, the next notebook runs, exit 1", async () => {
  const dir = folderWith({
    "killed.ipynb": notebook(code("console.log('before the kill')"), code("import { execSync } from 'node:child_process';\nexecSync('kill -9 ' + process.pid);  // from outside: process.kill in a cell only restarts the runner"), code("console.log('never')")),
    "next.ipynb": notebook(code("console.log('next ran')")),
  });
  const ran = await nnlabRun(dir, "killed.ipynb", "next.ipynb");
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.match(ran.lines[0]!, /^FAIL killed\.ipynb: 2 cells, \d+\.\d s -> killed\.nbconvert\.ipynb$/);
  assert.match(ran.stdout, /\n {2}cell 1: the kernel was killed by SIGKILL while the cell ran\n/);
  assert.ok(!ran.stdout.includes("dist/"), `no build hint for a kernel that died running a cell: ${ran.stdout}`);
  assert.match(ran.lines[1]!, /^ok {3}next\.ipynb: 1 cell, /);
  assert.equal(ran.lines[2], "1 of 2 notebooks failed");
  const partial = readNotebook(path.join(dir, "killed.nbconvert.ipynb"));
  assert.deepEqual(outputsOf(partial, 0), [{ output_type: "stream", name: "stdout", text: "before the kill\n" }]);
  assert.deepEqual(outputsOf(partial, 1), [{
    output_type: "error", ename: "KernelDied", evalue: "the kernel was killed by SIGKILL while the cell ran",
    traceback: ["KernelDied: the kernel was killed by SIGKILL while the cell ran"],
  }]);
  assert.deepEqual(outputsOf(partial, 2), []);
  assert.deepEqual(partial.metadata.nnlab, { failure: { cell: 1, reason: "died", message: "KernelDied: the kernel was killed by SIGKILL while the cell ran" } });
  assert.deepEqual(outputsOf(readNotebook(path.join(dir, "next.nbconvert.ipynb")), 0), [{ output_type: "stream", name: "stdout", text: "next ran\n" }]);
});

const MALFORMED: Record<string, [string, RegExp]> = {
  "bad-json.ipynb": ['{"nbformat": 4, "cells": [', /it is not valid JSON \(/],
  "null-cell.ipynb": ['{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [null]}', /cell 0 is null, expected an object$/],
  "numeric-source.ipynb": ['{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": 42, "outputs": []}]}',
    /cell 0 has a source that is a number, expected a string or a list of strings$/],
  "v3.ipynb": ['{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}', /it is nbformat 3; open and save it with Jupyter .* to upgrade it to nbformat 4$/],
};

test("malformed notebooks (bad JSON, cells: [null], a numeric source, nbformat 3) each get one line naming the file and what is wrong, and the run goes on", async () => {
  const dir = folderWith({ ...Object.fromEntries(Object.entries(MALFORMED).map(([f, [text]]) => [f, text])), "good.ipynb": notebook(code("1 + 1")) });
  const ran = await nnlabRun(dir, ...Object.keys(MALFORMED), "good.ipynb");
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.equal(ran.stderr, "");
  const names = Object.keys(MALFORMED);
  assert.equal(ran.stdout.split("\n").filter((l) => l !== "").length, names.length + 2, `one line each:\n${ran.stdout}`);
  for (const [i, name] of names.entries()) {
    assert.ok(ran.lines[i]!.startsWith(`FAIL ${name}: ${name} is not a valid nbformat 4 notebook: `), ran.lines[i]);
    assert.match(ran.lines[i]!, MALFORMED[name]![1]);
  }
  assert.match(ran.lines[names.length]!, /^ok {3}good\.ipynb: 1 cell, /);
  assert.equal(ran.lines[names.length + 1], `${names.length} of ${names.length + 1} notebooks failed`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes("nbconvert")), ["good.nbconvert.ipynb"]);
});

test("parseNotebook names the file and the fault: NotebookFormatError for each malformed case, defaults for missing optional fields", () => {
  for (const [name, [text, what]] of Object.entries(MALFORMED)) {
    assert.throws(() => parseNotebook(text, name), (e: Error) => e instanceof NotebookFormatError && e.message.startsWith(`${name} is not`) && what.test(e.message));
  }
  assert.throws(() => parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": 1}]}]}', "f"),
    /f is not a valid nbformat 4 notebook: cell 0 output 0 has text that is a number/);
  assert.deepEqual(parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a\\n", "b"]}]}'), {
    nbformat: 4, nbformat_minor: 0, metadata: {}, cells: [{ cell_type: "code", source: "a\nb", metadata: {}, outputs: [], execution_count: null }],
  });
});

test("--out naming a file fails before anything runs: one line, exit 2", async () => {
  const dir = folderWith({ "checked.ipynb": CHECKED, "taken": "a file" });
  const ran = await nnlabRun(dir, "checked.ipynb", "--out", "taken");
  assert.equal(ran.code, 2);
  assert.equal(ran.stdout, "cannot write into taken: it (or a folder above it) is a file; pass --out a writable folder (it is created if missing)\n");
  assert.deepEqual(readdirSync(dir).sort(), ["checked.ipynb", "taken"], "nothing ran, nothing written");
  const usage = await nnlabRun(dir, "notes.txt");
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^not an \.ipynb file: notes\.txt\nusage: nnlab run /);
});

test("a cell that ignores the interrupt after its timeout gets the kernel killed after the grace period, and the run reports it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-run-grace-"));
  // The warm-up has no limit and the blocking cell a generous one: type checks take seconds on a loaded machine.
  const run = await runNotebook(notebook(
    code("console.log('warm')"),
    code("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);"),
  ), { cwd: dir, cellTimeoutMs: (_, i) => (i === 1 ? 8000 : undefined), interruptGraceMs: 2000 });
  assert.equal(run.failure?.reason, "died", JSON.stringify(run.failure));
  assert.equal(run.failure?.evalue, "the cell ran past the 8000 ms timeout and did not stop within 2000 ms of the interrupt, so the kernel was killed");
  assert.deepEqual(outputsOf(run.notebook, 0), [{ output_type: "stream", name: "stdout", text: "warm\n" }]);
  assert.equal(outputsOf(run.notebook, 1).at(-1)?.output_type, "error");
  assert.deepEqual(run.cells.map((c) => c.status), ["ok", "died"]);
});

test("npm start is nnlab run --html (into --out here) and passes NNLAB_QUICK=1 on to the notebooks' kernel", async () => {
  const dir = folderWith({ "quick.ipynb": notebook(code("console.log(`quick: ${process.env.NNLAB_QUICK}`)")) });
  const ran = await node(dir, { NNLAB_QUICK: "1" }, path.join(ROOT, "dist", "scripts", "start.js"), "quick.ipynb", "--out", "reports");
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.lines[0]!, /^ok {3}quick\.ipynb: 1 cell, \d+\.\d s -> reports\/quick\.ipynb, reports\/quick\.html$/);
  assert.deepEqual(outputsOf(readNotebook(path.join(dir, "reports", "quick.ipynb")), 0), [{ output_type: "stream", name: "stdout", text: "quick: 1\n" }]);
});
