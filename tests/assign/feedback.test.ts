/**
 * `nnlab feedback` without a kernel: a grades folder laid out as `nnlab grade` writes it (results.json
 * and graded/STUDENT.ipynb, the graded notebooks made by restoring a tiny assignment's tests into
 * each submission) is turned into the students' pages by the real CLI, and again after the
 * instructor edits hand-graded points.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CLI } from "../../kernel/notebook/client";
import { serializeNotebook, type Cell, type CodeCell, type Notebook, type Output } from "../../kernel/notebook/nbformat";
import type { NbgraderMetadata } from "../../kernel/assign/nbgrader";
import { writeRelease } from "../../kernel/assign/release";
import { restoreCells } from "../../kernel/assign/restore";
import { scoreCell } from "../../kernel/assign/score";
import type { CellRun } from "../../kernel/assign/session";
import { readSpec, type AssignmentSpec } from "../../kernel/assign/spec";
import type { SubmissionResult } from "../../kernel/assign/grade";
import { saveGraded } from "../../kernel/assign/store";

const run = promisify(execFile);
const meta = (m: Partial<NbgraderMetadata> & { grade_id: string }): NbgraderMetadata =>
  ({ grade: false, solution: false, locked: false, schema_version: 3, ...m });
const code = (source: string, nbgrader?: NbgraderMetadata): Cell =>
  ({ cell_type: "code", metadata: nbgrader ? { nbgrader } : {}, source, outputs: [], execution_count: null });

const SOURCE: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [
    code("function add(a: number, b: number): number {\n  // BEGIN SOLUTION\n  return a + b;\n  // END SOLUTION\n}", meta({ grade_id: "add", solution: true })),
    code("if (add(1, 2) !== 3) throw new Error('1 + 2 is not 3');\n// BEGIN HIDDEN TESTS\nif (add(-1, 1) !== 0) throw new Error('secret case -1 + 1');\n// END HIDDEN TESTS",
      meta({ grade_id: "test_add", grade: true, points: 2 })),
    code("// Explain add in a comment.\n// BEGIN SOLUTION\n// It adds.\n// END SOLUTION", meta({ grade_id: "why", grade: true, solution: true, points: 1 })),
  ],
};

let dir: string;
let spec: AssignmentSpec;
let instructorPath: string;
let grades: string;

/** A student's notebook, graded: `answer` in the add cell, the tests restored, `outputs` as the test cell printed them. */
function graded(student: string, answer: string, explanation: string, testRun: CellRun, testOutputs: Output[]): SubmissionResult {
  const release = JSON.parse(readFileSync(path.join(dir, "release", "student", "hw.ipynb"), "utf8")) as Notebook;
  release.cells[0] = { ...release.cells[0], source: answer };
  release.cells[2] = { ...release.cells[2], source: explanation };
  const { notebook, notes } = restoreCells(release, spec);
  (notebook.cells[1] as CodeCell).outputs = testOutputs;
  const tests = spec.cells.filter((s) => s.nbgrader.grade).map((s) => {
    const index = notebook.cells.findIndex((c) => (c.metadata.nbgrader as NbgraderMetadata | undefined)?.grade_id === s.gradeId);
    const { reports: _reports, ...score } = scoreCell({
      spec: s, answer: notebook.cells[index].source, run: s.gradeId === "test_add" ? testRun : { index, status: "ok", seconds: 0 },
      outputs: (notebook.cells[index] as CodeCell).outputs, numberIsScore: false,
    });
    return { cell: s.gradeId, ...score, hiddenMessages: [], seconds: 0, seed: 0 };
  });
  return { student, file: `${student}.ipynb`, seconds: 0, kernelStarts: 1, restored: notes, tests, graded: notebook };
}

const page = (pages: string, student: string): string => readFileSync(path.join(pages, `${student}.html`), "utf8");
const feedback = (...args: string[]) => run(process.execPath, [CLI, "feedback", "--assignment", instructorPath, "--grades", grades, ...args]);

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-feedback-"));
  writeFileSync(path.join(dir, "hw.ipynb"), serializeNotebook(SOURCE));
  instructorPath = writeRelease(path.join(dir, "hw.ipynb"), path.join(dir, "release"), "hw").instructorPath;
  spec = readSpec(instructorPath);
  grades = path.join(dir, "grades");
  const results = [
    graded("ada", "function add(a: number, b: number): number { return a + b; }", "// It adds its arguments.", { index: 1, status: "ok", seconds: 0.1 },
      [{ output_type: "stream", name: "stdout", text: "checked the secret cases\n" }]),
    graded("bob", "function add(a: number, b: number): number { return Math.abs(a) + b; }", "// Explain add in a comment.\n// YOUR CODE HERE\nthrow new Error(\"not implemented\");",
      { index: 1, status: "error", message: "Error: secret case -1 + 1", seconds: 0.1 },
      [{ output_type: "error", ename: "Error", evalue: "secret case -1 + 1", traceback: ["Error: secret case -1 + 1"] }]),
  ];
  saveGraded(grades, results);
  const unreadable = { student: "eve", file: "eve.ipynb", seconds: 0, kernelStarts: 0, restored: [], unreadable: "the submission cannot be read: not JSON",
    tests: results[0].tests.map((t) => ({ ...t, points: 0, status: "not run" as const, message: "the submission cannot be read: not JSON" })) };
  const submissions = [...results.map(({ graded: _graded, ...r }) => r), unreadable];
  writeFileSync(path.join(grades, "results.json"), JSON.stringify({ assignment: "hw", notebook: "hw", submissions }, null, 1));
});

test("nnlab feedback writes one page per student from results.json and the graded notebooks, hidden test code removed, pass/fail shown", async () => {
  const { stdout } = await feedback();
  const pages = path.join(grades, "feedback");
  assert.match(stdout, /wrote 3 feedback pages/);
  assert.deepEqual(readdirSync(pages).sort(), ["ada.html", "bob.html", "eve.html"]);
  for (const student of ["ada", "bob", "eve"]) {
    const html = page(pages, student);
    assert.ok(!/secret|HIDDEN TESTS/.test(html), `${student}'s page shows hidden test code or its messages`);
  }
  assert.ok(page(pages, "ada").includes("test_add: passed, 2 / 2 points"));
  assert.ok(page(pages, "ada").includes("why: manual, ? / 1 points"));
  assert.ok(page(pages, "ada").includes("1 + 2 is not 3"), "the public part of the test is shown");
  assert.ok(page(pages, "ada").includes("It adds its arguments."), "the student's answers are shown");
  assert.ok(page(pages, "bob").includes("test_add: error, 0 / 2 points"));
  assert.ok(page(pages, "bob").includes("details withheld: this test includes hidden tests"));
  assert.ok(page(pages, "bob").includes("why: unanswered, 0 / 1 points"));
  assert.ok(page(pages, "eve").includes("the submission cannot be read"));
  assert.ok(page(pages, "eve").includes("Total: 0 / 3 points"));
});

test("after the instructor edits hand-graded points in results.json, nnlab feedback --out shows them", async () => {
  const file = path.join(grades, "results.json");
  const saved = JSON.parse(readFileSync(file, "utf8")) as { submissions: SubmissionResult[] };
  saved.submissions[0].tests.find((t) => t.cell === "why")!.points = 1;
  writeFileSync(file, JSON.stringify(saved));
  const pages = path.join(dir, "pages");
  await feedback("--out", pages);
  assert.ok(page(pages, "ada").includes("why: manual, 1 / 1 points"));
  assert.ok(page(pages, "ada").includes("Total: 3 / 3 points"));
});

test("nnlab feedback names what is wrong: another assignment's instructor file, a grades folder without results or graded notebooks", async () => {
  const other = JSON.parse(readFileSync(instructorPath, "utf8")) as AssignmentSpec;
  const otherPath = path.join(dir, "other.json");
  writeFileSync(otherPath, JSON.stringify({ ...other, assignment: "hw2" }));
  await assert.rejects(run(process.execPath, [CLI, "feedback", "--assignment", otherPath, "--grades", grades]),
    (e: { stderr: string }) => /holds grades of assignment "hw", not "hw2"/.test(e.stderr));
  await assert.rejects(run(process.execPath, [CLI, "feedback", "--assignment", instructorPath, "--grades", dir]),
    (e: { stderr: string }) => /results\.json does not exist: pass --grades the folder that nnlab grade --out wrote/.test(e.stderr));
});
