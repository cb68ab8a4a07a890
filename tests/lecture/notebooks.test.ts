/**
 * The lecture's notebooks as committed: valid nbformat 4.5, carrying the outputs of a full run whose
 * check cells passed; re-run here in the quick setting (NNLAB_QUICK=1: a training subset, 1 epoch)
 * through the headless runner, their check cells pass again and every cell tagged `slide-numbers`
 * (deterministic: slide values, shapes, parameter counts) prints exactly what the committed run printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook, type Cell, type CodeCell, type Notebook } from "../../kernel/notebook/nbformat";
import { runNotebookFile } from "../../kernel/notebook/files";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const LECTURE = readdirSync(NOTEBOOKS).filter((f) => /^10-\d-.*\.ipynb$/.test(f)).sort();

const tags = (c: Cell): string[] => ((c.metadata as { tags?: string[] }).tags ?? []);
const codeCells = (nb: Notebook, tag: string) => nb.cells.filter((c): c is CodeCell => c.cell_type === "code" && tags(c).includes(tag));
/** What a cell printed: its stdout and the text of its result, the parts a reader compares with a slide. */
const printed = (c: CodeCell): string => c.outputs.map((o) => (o.output_type === "stream" ? `${o.name}: ${o.text}`
  : o.output_type === "execute_result" ? `result: ${[(o.data as Record<string, unknown>)["text/plain"]].flat().join("")}`
  : o.output_type === "error" ? `error: ${o.ename}: ${o.evalue}` : "")).join("");

/** Debian's nbformat (python3-nbformat) validates against the 4.5 schema when installed; null when it is not. */
function nbformatValidate(file: string): string | null {
  const run = spawnSync("/usr/bin/python3", ["-c",
    "import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT); nbformat.validate(nb, version=4, version_minor=5); print('valid')", file],
  { encoding: "utf8", timeout: 60_000 });
  if (run.error || /No module named 'nbformat'/.test(run.stderr)) return null;
  return run.stdout.trim() === "valid" ? "valid" : run.stderr.trim().split("\n").slice(-3).join(" ");
}

test("the lecture is seven notebooks, one per slide group, in lecture order", () => {
  assert.deepEqual(LECTURE, [
    "10-1-fully-connected-mnist.ipynb", "10-2-convolution-one-channel.ipynb", "10-3-input-output-channels.ipynb",
    "10-4-convolutional-layer.ipynb", "10-5-cnn-mnist.ipynb", "10-6-cnn-vs-fully-connected.ipynb", "10-7-exercise-10-1.ipynb",
  ]);
});

for (const file of LECTURE) {
  const full = path.join(NOTEBOOKS, file);

  test(`notebooks/${file}: valid nbformat 4.5 with the outputs of a full run whose check passed`, (t) => {
    const nb = readNotebook(full);
    assert.equal(nb.nbformat, 4);
    assert.equal(nb.nbformat_minor, 5);
    const ids = nb.cells.map((c) => c.id);
    for (const id of ids) assert.match(String(id), /^[a-zA-Z0-9-_]{1,64}$/, "nbformat 4.5 cell ids");
    assert.equal(new Set(ids).size, ids.length, "cell ids are unique");
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    assert.deepEqual(code.map((c) => c.execution_count), code.map((_, i) => i + 1), "every code cell ran, in order, in one session");
    for (const c of code) assert.ok(!c.outputs.some((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr")), `cell ${c.id}: ${printed(c)}`);
    const checks = codeCells(nb, "check");
    assert.equal(checks.length, 1, "one check cell");
    assert.equal(nb.cells[nb.cells.length - 1], checks[0], "the check cell ends the notebook");
    assert.match(printed(checks[0]!), /^stdout: check passed: /);
    assert.doesNotMatch(printed(checks[0]!), /after 1 epoch\(s\)|quick/, "committed outputs come from the full run, not the quick setting");
    const verdict = nbformatValidate(full);
    if (verdict === null) t.diagnostic("python3-nbformat not installed: structural checks only");
    else assert.equal(verdict, "valid");
  });

  test(`notebooks/${file}: re-run in the quick setting, the check passes and the slide numbers equal the committed ones`, { timeout: 1_200_000 }, async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "nnlab-lecture-"));
    const previous = process.env.NNLAB_QUICK;
    process.env.NNLAB_QUICK = "1";  // the kernel inherits the runner's environment
    try {
      const run = await runNotebookFile(full, { outDir: out });
      assert.equal(run.failure, undefined, run.failure && `cell ${run.failure.cellIndex}: ${run.failure.ename}: ${run.failure.evalue}`);
      const [fresh, committed] = [run.notebook, readNotebook(full)];
      assert.match(printed(codeCells(fresh, "check")[0]!), /^stdout: check passed: /);
      const [freshCells, committedCells] = [codeCells(fresh, "slide-numbers"), codeCells(committed, "slide-numbers")];
      assert.ok(committedCells.length >= 1, "the notebook tags its slide-number cells");
      assert.deepEqual(freshCells.map((c) => c.id), committedCells.map((c) => c.id));
      for (const [i, c] of committedCells.entries()) {
        assert.ok(printed(c).length > 0, `cell ${c.id} prints its numbers`);
        assert.equal(printed(freshCells[i]!), printed(c), `cell ${c.id}: the quick re-run prints what the committed run printed`);
      }
    } finally {
      if (previous === undefined) delete process.env.NNLAB_QUICK;
      else process.env.NNLAB_QUICK = previous;
      rmSync(out, { recursive: true, force: true });
    }
  });
}
