/**
 * runForGrading with the real kernel, through the notebook executor: every cell seeded by a silent
 * request, errors recorded and the run going on, stream output cut, a cell past the timeout
 * interrupted and marked "timeout", and a cell that kills its kernel marked "crashed", the next cell
 * running in a fresh kernel (seeded the same).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Cell, CodeCell, Notebook } from "../../kernel/notebook/nbformat";
import { runForGrading } from "../../kernel/assign/session";

const code = (source: string): Cell => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
const valueOf = (cell: Cell): string => {
  const out = (cell as CodeCell).outputs.find((o) => o.output_type === "execute_result");
  return out?.output_type === "execute_result" ? String(out.data["text/plain"]) : "";
};

test("grading runs each cell seeded, goes on after errors and a killed kernel, marks the timeout and cuts printing", async () => {
  const source: Notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [
      code("torch.rand(1).item()"),
      code("torch.rand(1).item()"),
      code("throw new Error('boom')"),
      code("console.log('x'.repeat(50))"),
      code("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);"),
      code("import { execSync } from 'node:child_process';\nexecSync(`kill -9 ${process.pid}`);"),
      code("torch.rand(1).item()"),
    ],
  };
  // The timeout is generous: the first cell's type check takes seconds on a loaded machine.
  const timeoutMs = 15_000;
  const session = await runForGrading(source, { cwd: mkdtempSync(path.join(os.tmpdir(), "nnlab-session-")), timeoutMs, seed: 7, maxOutputChars: 20 });
  assert.deepEqual(session.runs.map((r) => [r.index, r.status]), [[0, "ok"], [1, "ok"], [2, "error"], [3, "ok"], [4, "timeout"], [5, "crashed"], [6, "ok"]]);
  assert.equal(session.runs[2].message, "Error: boom");
  assert.equal(session.runs[4].message, "the cell ran longer than the 15 s timeout and was stopped");
  assert.equal(session.runs[5].message, "the kernel was killed by SIGKILL while the cell ran; it was restarted for the next cell");
  assert.equal(session.kernelStarts, 2);
  const cells = session.notebook.cells;
  assert.match(valueOf(cells[0]), /^0\.\d+$/);
  assert.equal(valueOf(cells[1]), valueOf(cells[0]), "torch.manualSeed(7) ran before each cell");
  assert.equal(valueOf(cells[6]), valueOf(cells[0]), "the fresh kernel is seeded too");
  assert.deepEqual(cells.map((c) => (c as CodeCell).execution_count), [1, 2, 3, 4, 5, null, 1], "the seed request is silent: no execution count");
  assert.deepEqual((cells[3] as CodeCell).outputs, [{ output_type: "stream", name: "stdout", text: `${"x".repeat(20)}\n[output cut by the grader: 31 more characters]\n` }]);
  assert.equal(source.cells.every((c) => (c as CodeCell).outputs.length === 0), true, "the submission is left as it was");
});
