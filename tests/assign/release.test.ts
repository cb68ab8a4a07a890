/**
 * Authoring without a kernel: nbgrader's checksums (against values nbgrader itself wrote), the
 * TypeScript markers and stub, the release and instructor files, restoring cells by grade_id and
 * nbgrader's scoring rules with the TypeScript traps removed, and the grader's helpers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serializeNotebook, readNotebook, type Cell, type CodeCell, type Notebook, type Output } from "../../kernel/notebook/nbformat";
import { computeChecksum, type NbgraderMetadata } from "../../kernel/assign/nbgrader";
import { CODE_STUB, makeRelease, replaceRegions, SOLUTION, writeRelease } from "../../kernel/assign/release";
import { restoreCells } from "../../kernel/assign/restore";
import { GRADE_MIME, numberAsScore, scoreCell } from "../../kernel/assign/score";
import { readSpec, releasedSpec, type SpecCell } from "../../kernel/assign/spec";
import { MarkerError } from "../../kernel/assign/errors";
import { DEFAULT_GRADE_OPTIONS, gradeSubmission, gradesCsv, pool, studentOf } from "../../kernel/assign/grade";
import { capOutputs } from "../../kernel/assign/session";

const meta = (m: Partial<NbgraderMetadata> & { grade_id: string }): NbgraderMetadata =>
  ({ grade: false, solution: false, locked: false, schema_version: 3, ...m });
const code = (source: string, nbgrader?: NbgraderMetadata): Cell =>
  ({ cell_type: "code", metadata: nbgrader ? { nbgrader } : {}, source, outputs: [], execution_count: null });
const md = (source: string, nbgrader?: NbgraderMetadata): Cell => ({ cell_type: "markdown", metadata: nbgrader ? { nbgrader } : {}, source });

test("checksums equal the ones nbgrader wrote into its own documentation's release notebook (user_guide/release/ps1)", () => {
  // jupyter/nbgrader, nbgrader/docs/source/user_guide/release/ps1/problem1.ipynb and problem2.ipynb.
  assert.equal(computeChecksum("markdown", "YOUR ANSWER HERE", meta({ grade: true, solution: true, grade_id: "part-a", points: 1 })), "6d5a9eb99c3e76354b6e360ce228580a");
  assert.equal(computeChecksum("markdown", "YOUR ANSWER HERE", meta({ grade: true, solution: true, grade_id: "part-b", points: 2 })), "789281f32aa7a8d789bd9f18de9efd00");
  assert.equal(computeChecksum("code", "# YOUR CODE HERE\nraise NotImplementedError()", meta({ grade: true, solution: true, grade_id: "sum_of_squares_application", points: 2 })),
    "5a96910dbc324f5565edf92f5c98af1b");
  // Points enter as Python's str(float(points)): 2 and 2.0 agree, 2.5 differs.
  const m = meta({ grade: true, grade_id: "t", points: 2 });
  assert.equal(computeChecksum("code", "x", m), computeChecksum("code", "x", { ...m, points: 2.0 }));
  assert.notEqual(computeChecksum("code", "x", m), computeChecksum("code", "x", { ...m, points: 2.5 }));
});

test("solution regions become the TypeScript stub, indented like their BEGIN line; broken markers are named", () => {
  const source = "function f() {\n    // BEGIN SOLUTION\n    return 1;\n    // END SOLUTION\n}";
  assert.equal(replaceRegions(source, SOLUTION, CODE_STUB, "c"), 'function f() {\n    // YOUR CODE HERE\n    throw new Error("not implemented");\n}');
  assert.equal(replaceRegions("no markers", SOLUTION, CODE_STUB, "c"), undefined);
  assert.throws(() => replaceRegions("// BEGIN SOLUTION\nx", SOLUTION, CODE_STUB, "nb.ipynb, cell 3"), (e: Error) => e instanceof MarkerError && /cell 3: BEGIN SOLUTION without END SOLUTION/.test(e.message));
  assert.throws(() => replaceRegions("// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION", SOLUTION, CODE_STUB, "c"), /nested BEGIN SOLUTION/);
});

const SOURCE: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [
    md("# Homework", meta({ grade_id: "intro", locked: true })),
    code("function add(a: number, b: number): number {\n  // BEGIN SOLUTION\n  return a + b;\n  // END SOLUTION\n}", meta({ grade_id: "add", solution: true })),
    { ...code("add(1, 2)", undefined), outputs: [{ output_type: "execute_result", execution_count: 1, data: { "text/plain": "3" }, metadata: {} }], execution_count: 1 } as Cell,
    code("if (add(1, 2) !== 3) throw new Error('1 + 2');\n// BEGIN HIDDEN TESTS\nif (add(-1, 1) !== 0) throw new Error('secret');\n// END HIDDEN TESTS", meta({ grade_id: "test_add", grade: true, points: 2 })),
    md("Explain.\n=== BEGIN SOLUTION ===\nBecause.\n=== END SOLUTION ===", meta({ grade_id: "why", grade: true, solution: true, points: 1 })),
  ],
};

test("the release strips solutions, hidden tests and outputs, locks cells like nbgrader; the instructor file keeps the tests", () => {
  const { notebook, instructor } = makeRelease(SOURCE, "hw", "hw");
  const text = serializeNotebook(notebook);
  for (const secret of ["return a + b", "secret", "HIDDEN", "Because"]) assert.ok(!text.includes(secret), `release leaks ${secret}`);
  assert.equal(notebook.cells[1].source, 'function add(a: number, b: number): number {\n  // YOUR CODE HERE\n  throw new Error("not implemented");\n}');
  assert.equal(notebook.cells[3].source, "if (add(1, 2) !== 3) throw new Error('1 + 2');");
  assert.equal(notebook.cells[4].source, "Explain.\nYOUR ANSWER HERE");
  assert.deepEqual((notebook.cells[2] as CodeCell).outputs, []);
  assert.equal((notebook.cells[2] as CodeCell).execution_count, null);
  assert.deepEqual(notebook.cells.map((c) => [c.metadata.deletable, c.metadata.editable]),
    [[false, false], [false, undefined], [undefined, undefined], [false, undefined], [false, undefined]]);
  const test = instructor.cells.find((c) => c.gradeId === "test_add")!;
  assert.ok(test.source.includes("throw new Error('secret')"), "the instructor file keeps hidden tests");
  assert.equal(test.nbgrader.checksum, computeChecksum("code", notebook.cells[3].source, test.nbgrader));
  assert.equal(test.nbgrader.cell_type, "code");
  // The release carries the public tests for check(), without hidden parts.
  const pub = releasedSpec(notebook)!;
  assert.equal(pub.audience, "student");
  assert.ok(!JSON.stringify(pub).includes("secret"));
  assert.equal(pub.cells.find((c) => c.gradeId === "test_add")!.source, notebook.cells[3].source);
});

test("nbgrader's metadata rules are enforced: hidden tests only in grade cells, solutions only in solution cells, unique ids", () => {
  const bad = (cells: Cell[]) => () => makeRelease({ ...SOURCE, cells }, "hw", "hw");
  assert.throws(bad([code("// BEGIN HIDDEN TESTS\n// END HIDDEN TESTS", meta({ grade_id: "x", locked: true }))]), /not a grade cell/);
  assert.throws(bad([code("// BEGIN SOLUTION\n// END SOLUTION", meta({ grade_id: "x", locked: true }))]), /not marked as a solution cell/);
  assert.throws(bad([code("a", meta({ grade_id: "x", solution: true })), code("b", meta({ grade_id: "x", solution: true }))]), /repeats grade_id "x"/);
  assert.throws(bad([code("a", meta({ grade_id: "x", grade: true }))]), /without points/);
});

test("files are written atomically into student/ and instructor/, nothing else", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-assign-"));
  const src = path.join(dir, "hw2", "hw.ipynb");
  mkdirSync(path.dirname(src));
  writeFileSync(src, serializeNotebook(SOURCE));
  const out = path.join(dir, "release");
  const files = writeRelease(src, out);
  assert.deepEqual(readdirSync(out).sort(), ["instructor", "student"]);
  assert.deepEqual(readdirSync(path.join(out, "student")), ["hw.ipynb"]);
  assert.deepEqual(readdirSync(path.join(out, "instructor")), ["hw.json"]);
  assert.equal(readSpec(files.instructorPath).assignment, "hw2");
  assert.ok(!readFileSync(files.notebookPath, "utf8").includes("secret"));
  assert.equal(readNotebook(files.notebookPath).cells.length, SOURCE.cells.length);
});

test("restoring by grade_id: edited tests come back, deleted ones are put back in place, duplicates dropped, answers kept", () => {
  const { notebook, instructor } = makeRelease(SOURCE, "hw", "hw");
  const cells = notebook.cells.map((c) => ({ ...c }));
  cells[1] = { ...cells[1], source: "function add(a: number, b: number) { return a + b; }" };
  const tampered = { ...cells[3], source: "// all good" };
  const submission: Notebook = { ...notebook, cells: [cells[0], cells[1], code("// my scratch"), tampered, { ...cells[3] }, cells[2], { ...cells[1], metadata: { nbgrader: meta({ grade_id: "fake", grade: true, points: 99 }) } }] };
  const { notebook: graded, notes } = restoreCells(submission, instructor);
  assert.deepEqual(notes, [{ gradeId: "test_add", kind: "edited" }, { gradeId: "test_add", kind: "duplicated" }, { gradeId: "why", kind: "deleted" }]);
  assert.deepEqual(graded.cells.map((c) => c.source.split("\n")[0]), [
    "# Homework", "function add(a: number, b: number) { return a + b; }", "// my scratch",
    "if (add(1, 2) !== 3) throw new Error('1 + 2');", "Explain.", "add(1, 2)", "function add(a: number, b: number) { return a + b; }",
  ]);
  assert.ok(graded.cells[3].source.includes("secret"), "the full test, hidden part included, is run");
  assert.equal((graded.cells[6].metadata as { nbgrader?: unknown }).nbgrader, undefined, "an unknown grade_id earns nothing");
});

const spec = (points: number, extra: Partial<NbgraderMetadata> = {}): SpecCell => {
  const nbgrader = meta({ grade_id: "t", grade: true, points, ...extra });
  return { gradeId: "t", cellType: "code", nbgrader: { ...nbgrader, checksum: computeChecksum("code", CODE_STUB, nbgrader) }, source: "", releaseSource: CODE_STUB };
};
const ok = { index: 0, status: "ok" as const, seconds: 0 };
const result = (text: string): Output => ({ output_type: "execute_result", execution_count: 1, data: { "text/plain": text }, metadata: {} });
const stderr: Output = { output_type: "stream", name: "stderr", text: "warning\n" };
const report = (points: number, max: number, message = "", hidden = false): Output =>
  ({ output_type: "display_data", data: { [GRADE_MIME]: { points, max, message, hidden }, "text/plain": "" }, metadata: {} });

test("scoring: nbgrader's rules, but stderr never zeroes a cell and a number is a score only when asked", () => {
  const score = (outputs: Output[], numberIsScore = false, run: typeof ok | { index: 0; status: "error"; message: string; seconds: 0 } = ok) =>
    scoreCell({ spec: spec(3), answer: null, run, outputs, numberIsScore });
  assert.equal(score([stderr]).points, 3);
  assert.equal(score([result("1.5")]).points, 3);
  assert.equal(score([result("1.5")], true).points, 1.5);
  assert.deepEqual(score([], false, { index: 0, status: "error", message: "Error: no", seconds: 0 }).points, 0);
  assert.equal(score([report(1, 4, "one of four")]).points, 0.75);
  assert.equal(score([report(1, 2, "public"), report(2, 2, "secret", true)]).points, 2.25);
  assert.equal(score([report(9, 2)]).points, 3, "reported points are clamped to the report's max");
  // nbgrader's get_partial_grade: not a number, zero or negative means full points; more than the cell's points is an error.
  assert.equal(numberAsScore([result("'text'")], 3), 3);
  assert.equal(numberAsScore([result("0")], 3), 3);
  assert.equal(numberAsScore([result("-1")], 3), 3);
  assert.ok(numberAsScore([result("4")], 3) instanceof Error);
  // A manually graded answer: unchanged scores 0 (checksum), changed waits for a person.
  const manual = spec(2, { solution: true });
  assert.equal(scoreCell({ spec: manual, answer: CODE_STUB, run: ok, outputs: [], numberIsScore: false }).status, "unanswered");
  assert.deepEqual(scoreCell({ spec: manual, answer: "my answer", run: ok, outputs: [], numberIsScore: false }).points, null);
});

test("grading helpers: output is cut with a note, jobs never exceed N and keep order, CSV fields are quoted, students are named", async () => {
  const cut = capOutputs([{ output_type: "stream", name: "stdout", text: "a".repeat(10) }, { output_type: "stream", name: "stderr", text: "b".repeat(10) }], 15);
  assert.deepEqual(cut.map((o) => (o.output_type === "stream" ? o.text : "")), ["a".repeat(10), `${"b".repeat(5)}\n[output cut by the grader: 5 more characters]\n`]);
  let running = 0;
  let most = 0;
  const order = await pool([30, 10, 20, 5, 1], 2, async (ms) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return ms;
  });
  assert.deepEqual(order, [30, 10, 20, 5, 1]);
  assert.equal(most, 2);
  const { instructor } = makeRelease(SOURCE, "hw", "hw");
  assert.equal(studentOf("/x/submitted/ada/hw.ipynb", instructor), "ada");
  assert.equal(studentOf("/x/bob.ipynb", instructor), "bob");
  const row = { student: 'o"neil, jr', file: "", seconds: 0, kernelStarts: 0, restored: [], tests: [{ cell: "t", points: 2 / 3 * 3, max: 3, status: "passed" as const, message: "", seconds: 0, seed: 0, hiddenMessages: [] }] };
  assert.equal(gradesCsv([row], "hw"), 'student,assignment,cell,points,max\n"o""neil, jr",hw,t,2,3\n');
});

test("a submission that is not a notebook scores 0 on every test without starting a kernel", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-unreadable-"));
  const file = path.join(dir, "eve.ipynb");
  writeFileSync(file, "{ not json");
  const { instructor } = makeRelease(SOURCE, "hw", "hw");
  const result = await gradeSubmission(file, instructor, DEFAULT_GRADE_OPTIONS);
  assert.equal(result.kernelStarts, 0);
  assert.deepEqual(result.tests.map((t) => [t.cell, t.points, t.status]), [["test_add", 0, "not run"], ["why", 0, "not run"]]);
  assert.match(result.unreadable ?? "", /cannot be read/);
});
