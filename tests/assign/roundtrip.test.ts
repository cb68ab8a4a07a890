/**
 * An nbgrader-formatted TypeScript notebook (cell metadata exactly as nbgrader's schema 3 writes
 * it, e.g. grade cells stored with locked: false) is assigned, completed by a student and graded;
 * the totals are nbgrader's (determine_grade). The student's `check()` runs the public tests only.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient, texts } from "../../kernel/notebook/client";
import { readNotebook, serializeNotebook, type Cell, type Notebook } from "../../kernel/notebook/nbformat";
import { DEFAULT_GRADE_OPTIONS, gradeAll, type GradeRun } from "../../kernel/assign/grade";
import { writeRelease } from "../../kernel/assign/release";
import { readSpec } from "../../kernel/assign/spec";

type Flags = { grade: boolean; solution: boolean; locked: boolean; points?: number; task?: boolean };
/** A cell as nbgrader's create-assignment extension stores it (keys and values of schema 3). */
function nbgraderCell(cellType: "code" | "markdown", gradeId: string, flags: Flags, source: string): Cell {
  const nbgrader = { cell_type: cellType, grade: flags.grade, grade_id: gradeId, locked: flags.locked, schema_version: 3, solution: flags.solution,
    ...(flags.points === undefined ? {} : { points: flags.points }), ...(flags.task ? { task: true } : {}) };
  return cellType === "code"
    ? { cell_type: "code", metadata: { nbgrader }, source, outputs: [], execution_count: null }
    : { cell_type: "markdown", metadata: { nbgrader }, source };
}
const test_ = { grade: true, solution: false, locked: false };

const SOURCE: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "nnlab", display_name: "TypeScript (nnlab)", language: "typescript" } },
  cells: [
    nbgraderCell("markdown", "header", { grade: false, solution: false, locked: true }, "# Squares"),
    nbgraderCell("code", "squares", { grade: false, solution: true, locked: false },
      "function squares(n: number): number[] {\n  // BEGIN SOLUTION\n  if (n < 1) throw new RangeError(\"n must be >= 1\");\n  return Array.from({ length: n }, (_, i) => (i + 1) ** 2);\n  // END SOLUTION\n}"),
    nbgraderCell("code", "correct_squares", { ...test_, points: 1 }, "if (JSON.stringify(squares(3)) !== \"[1,4,9]\") throw new Error(\"squares(3) should be [1, 4, 9]\");"),
    nbgraderCell("code", "squares_invalid_input", { ...test_, points: 1 },
      "let raised = false;\ntry { squares(0); } catch { raised = true; }\nif (!raised) throw new Error(\"squares(0) should throw\");"),
    nbgraderCell("code", "sum_of_squares", { grade: false, solution: true, locked: false },
      "function sumOfSquares(n: number): number {\n  // BEGIN SOLUTION\n  return squares(n).reduce((a, b) => a + b, 0);\n  // END SOLUTION\n}"),
    nbgraderCell("code", "correct_sum_of_squares", { ...test_, points: 0.5 },
      "if (sumOfSquares(10) !== 385) throw new Error(\"sumOfSquares(10) should be 385\");\n// BEGIN HIDDEN TESTS\nif (sumOfSquares(11) !== 506) throw new Error(\"sumOfSquares(11)\");\n// END HIDDEN TESTS"),
    nbgraderCell("markdown", "sum_of_squares_equation", { grade: true, solution: true, locked: false, points: 1 }, "=== BEGIN SOLUTION ===\n$\\sum_{i=1}^n i^2$\n=== END SOLUTION ==="),
    nbgraderCell("code", "application", { grade: true, solution: true, locked: false, points: 2 }, "// BEGIN SOLUTION\nconsole.log(sumOfSquares(24));\n// END SOLUTION"),
    nbgraderCell("markdown", "task-e", { grade: false, solution: false, locked: true, points: 4, task: true }, "## Part E\nState the formula for an arithmetic sum."),
  ],
};

/** The student: squares without the check of n, sumOfSquares that fails the hidden test, no equation, an application. */
function complete(release: Notebook): Notebook {
  const answers: Record<string, string> = {
    squares: "function squares(n: number): number[] {\n  return Array.from({ length: Math.max(n, 0) }, (_, i) => (i + 1) ** 2);\n}",
    sum_of_squares: "function sumOfSquares(n: number): number {\n  return n > 10 ? -1 : squares(n).reduce((a, b) => a + b, 0);\n}",
    application: "console.log(sumOfSquares(5));",
  };
  const id = (c: Cell) => (c.metadata as { nbgrader?: { grade_id: string } }).nbgrader?.grade_id ?? "";
  return { ...release, cells: release.cells.map((c) => (answers[id(c)] === undefined ? c : { ...c, source: answers[id(c)] })) };
}

let dir: string;
let graded: GradeRun;
let studentFile: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-roundtrip-"));
  mkdirSync(path.join(dir, "source", "ps1"), { recursive: true });
  const source = path.join(dir, "source", "ps1", "squares.ipynb");
  writeFileSync(source, serializeNotebook(SOURCE));
  const { notebookPath, instructorPath } = writeRelease(source, path.join(dir, "release"));
  mkdirSync(path.join(dir, "submitted", "ada"), { recursive: true });
  studentFile = path.join(dir, "submitted", "ada", "squares.ipynb");
  writeFileSync(studentFile, serializeNotebook(complete(readNotebook(notebookPath))));
  graded = await gradeAll(readSpec(instructorPath), [studentFile], path.join(dir, "grades"), { ...DEFAULT_GRADE_OPTIONS, timeoutMs: 120_000 });
});

test("graded with nbgrader's totals: passing tests get their points, failing ones 0, unanswered answers 0, the rest waits for a person", () => {
  assert.equal(readFileSync(graded.files.csv, "utf8"), [
    "student,assignment,cell,points,max",
    "ada,ps1,correct_squares,1,1", // runs without error
    "ada,ps1,squares_invalid_input,0,1", // its error output scores 0
    "ada,ps1,correct_sum_of_squares,0,0.5", // the hidden part fails
    "ada,ps1,sum_of_squares_equation,0,1", // solution+grade cell whose checksum is unchanged: 0
    "ada,ps1,application,,2", // solution+grade cell that was answered: None (manual)
    "ada,ps1,task-e,,4", // a task: graded by hand
    "",
  ].join("\n"));
  const total = graded.results[0].tests.reduce((s, t) => s + (t.points ?? 0), 0);
  assert.equal(total, 1);
  assert.equal(graded.results[0].student, "ada", "submitted/<student>/<notebook>.ipynb names the student by its folder");
});

test("check() in the student's kernel runs the public tests only and prints which pass", async () => {
  const kernel = await KernelClient.start(path.dirname(studentFile), undefined, "temp");
  try {
    const { reply, outputs } = await kernel.execute("await check()");
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    const printed = texts(outputs);
    assert.match(printed, /✔ correct_squares: passed/);
    assert.match(printed, /✘ squares_invalid_input: error \(Error: squares\(0\) should throw\)/);
    assert.match(printed, /✔ correct_sum_of_squares: passed/, "the hidden part that fails is not checked");
    assert.match(printed, /2 of 3 public tests passed/);
    assert.ok(!printed.includes("sumOfSquares(11)"));
  } finally {
    await kernel.close();
  }
});
