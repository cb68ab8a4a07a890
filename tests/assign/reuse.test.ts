/**
 * A grading job's kernel kept across submissions (KernelSlot): the next submission in the same
 * folder runs on the same process after a reset, with nothing of the one before and the same seeded
 * numbers; a submission in another folder gets a new process; a kernel killed under a reused
 * submission is replaced for its next cell, and that replacement serves the next submission; after
 * maxRuns notebooks a new process starts; a slot's Node options reach its kernels.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Cell, CodeCell, Notebook } from "../../kernel/notebook/nbformat";
import { KernelSlot } from "../../kernel/notebook/execute";
import { runForGrading, type SessionResult } from "../../kernel/assign/session";
import { GRADING_NODE_OPTIONS } from "../../kernel/assign/grade";

const notebook = (...sources: string[]): Notebook => ({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: sources.map((source): Cell => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
});
const valueOf = (session: SessionResult, index: number): string => {
  const out = (session.notebook.cells[index] as CodeCell).outputs.find((o) => o.output_type === "execute_result");
  return out?.output_type === "execute_result" ? String(out.data["text/plain"]) : "";
};
const folder = () => mkdtempSync(path.join(os.tmpdir(), "nnlab-reuse-"));

test("a job's kernel serves its next submission in the same folder after a reset, and a new one starts elsewhere", async () => {
  const kernels = new KernelSlot();
  const [here, there] = [folder(), folder()];
  const grade = (nb: Notebook, cwd: string) => runForGrading(nb, { cwd, timeoutMs: 30_000, seed: 5, maxOutputChars: 10_000, kernelSlot: kernels });
  try {
    const first = await grade(notebook("let score = 10;\n(globalThis as any).cheat = 99;", "torch.rand(1).item()"), here);
    assert.deepEqual([first.kernelStarts, first.kernelReused], [1, false]);

    const second = await grade(notebook("typeof (globalThis as any).cheat", "torch.rand(1).item()", "score"), here);
    assert.deepEqual([second.kernelStarts, second.kernelReused], [0, true]);
    assert.equal(kernels.starts, 1, "the same process ran both");
    assert.equal(valueOf(second, 0), "'undefined'");
    assert.equal(valueOf(second, 1), valueOf(first, 1), "each cell is seeded on the reused kernel too");
    assert.match(second.runs[2].message ?? "", /Cannot find name 'score'/);
    assert.deepEqual(second.notebook.cells.map((c) => (c as CodeCell).execution_count), [1, 2, 3]);

    const elsewhere = await grade(notebook("process.cwd()"), there);
    assert.deepEqual([elsewhere.kernelStarts, elsewhere.kernelReused], [1, false]);
    assert.equal(valueOf(elsewhere, 0), `'${there}'`, "the kernel runs in the submission's folder");

    const killer = await grade(notebook("import { execSync } from 'node:child_process';\nexecSync(`kill -9 ${process.pid}`);", "torch.rand(1).item()"), there);
    assert.deepEqual([killer.kernelStarts, killer.kernelReused], [1, true]);
    assert.deepEqual(killer.runs.map((r) => r.status), ["crashed", "ok"]);
    assert.equal(valueOf(killer, 1), valueOf(first, 1));

    const after = await grade(notebook("1 + 1"), there);
    assert.deepEqual([after.kernelStarts, after.kernelReused], [0, true]);
    assert.equal(kernels.starts, 3);
  } finally {
    await kernels.close();
  }
});

test("a kernel that served maxRuns notebooks is replaced by a new process (its memory stays bounded)", async () => {
  const kernels = new KernelSlot(1);
  const here = folder();
  const grade = (nb: Notebook) => runForGrading(nb, { cwd: here, timeoutMs: 30_000, seed: 5, maxOutputChars: 10_000, kernelSlot: kernels });
  try {
    const runs = [await grade(notebook("1 + 1")), await grade(notebook("2 + 2"))];
    assert.deepEqual(runs.map((r) => [r.kernelStarts, r.kernelReused]), [[1, false], [1, false]]);
    assert.equal(kernels.starts, 2);
  } finally {
    await kernels.close();
  }
});

test("a slot starts its kernels with its Node options: the grader's V8 options reach the cells' thread", async () => {
  assert.ok(GRADING_NODE_OPTIONS.length > 0, "the grader has V8 options of its own");
  const kernels = new KernelSlot(50, GRADING_NODE_OPTIONS);
  const here = folder();
  const grade = (nb: Notebook) => runForGrading(nb, { cwd: here, timeoutMs: 30_000, seed: 5, maxOutputChars: 10_000, kernelSlot: kernels });
  try {
    for (const run of [await grade(notebook("process.execArgv.join(' ')")), await grade(notebook("process.execArgv.join(' ')"))]) {
      assert.equal(run.runs[0].status, "ok", run.runs[0].message);
      assert.equal(valueOf(run, 0), `'${GRADING_NODE_OPTIONS.join(" ")}'`, "the options, on the first kernel and after a reset");
    }
  } finally {
    await kernels.close();
  }
});
