/**
 * Assignment 10-1 end to end with the real kernel: `nnlab assign` releases it, the nine fixture
 * submissions (assignments/10-1/submissions, written by make_fixtures.py from that release) are
 * graded by `nnlab grade --jobs 2` (each job's kernel reset between its submissions), and grades.csv
 * must equal expected-grades.csv exactly.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CLI } from "../../kernel/notebook/client";
import type { SubmissionResult } from "../../kernel/assign/grade";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const ASSIGNMENT = path.join(ROOT, "assignments", "10-1");
const SUBMISSIONS = path.join(ASSIGNMENT, "submissions");
const run = promisify(execFile);

let dir: string;
let grades: string;
let results: { seed: number; versions: Record<string, string>; options: { seed: number }; submissions: SubmissionResult[] };
const submission = (student: string) => results.submissions.find((s) => s.student === student)!;
const testOf = (student: string, cell: string) => submission(student).tests.find((t) => t.cell === cell)!;
const feedback = (student: string) => readFileSync(path.join(grades, "feedback", `${student}.html`), "utf8");

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-grade-"));
  await run(process.execPath, [CLI, "assign", path.join(ASSIGNMENT, "cnn.ipynb"), "--out", path.join(dir, "release")]);
  grades = path.join(dir, "grades");
  const files = readdirSync(SUBMISSIONS).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(SUBMISSIONS, f));
  await run(process.execPath, [CLI, "grade", "--assignment", path.join(dir, "release", "instructor", "cnn.json"), ...files,
    "--jobs", "2", "--timeout", "60", "--out", grades], { maxBuffer: 16 << 20 });
  results = JSON.parse(readFileSync(path.join(grades, "results.json"), "utf8")) as typeof results;
});

test("the fixture submissions are the ones make_fixtures.py writes from today's release", async () => {
  const fresh = path.join(dir, "fixtures");
  await run("python3", [path.join(ASSIGNMENT, "make_fixtures.py"), path.join(dir, "release", "student", "cnn.ipynb"), fresh]);
  for (const f of readdirSync(SUBMISSIONS)) assert.equal(readFileSync(path.join(fresh, f), "utf8"), readFileSync(path.join(SUBMISSIONS, f), "utf8"), f);
});

test("grades.csv equals the expected points exactly", () => {
  assert.equal(readFileSync(path.join(grades, "grades.csv"), "utf8"), readFileSync(path.join(ASSIGNMENT, "expected-grades.csv"), "utf8"));
});

test("results.json records per test the status, message, duration and seed, and the versions", () => {
  assert.deepEqual(Object.keys(results.versions).sort(), ["nnlab", "node", "tfjs-core"]);
  for (const s of results.submissions) for (const t of s.tests) {
    assert.equal(t.seed, 0);
    assert.ok(t.seconds >= 0);
    assert.equal(typeof t.message, "string");
  }
  assert.equal(testOf("infinite-loop", "test_training").status, "timeout");
  assert.match(testOf("infinite-loop", "test_training").message, /longer than the 60 s timeout/);
  assert.equal(testOf("partly-wrong", "test_shapes").status, "partial");
  assert.match(testOf("partly-wrong", "test_shapes").message, /conv3 → ReLU → pool: expected \[2,64,3,3\], got \[2,32,3,3\]/);
  assert.match(testOf("syntax-error", "test_params").message, /TypeScriptError|Cannot find name 'CNN'/);
});

// A kernel killed under a cell is restarted for the next one: tests/assign/session.test.ts.
test("process.exit() in a cell ends only the kernel's runner (variables are lost) and grading goes on with the next cell", () => {
  const s = submission("process-exit");
  assert.equal(s.kernelStarts, s.kernelReused ? 0 : 1, "no new kernel process");
  assert.equal(testOf("process-exit", "test_shapes").status, "passed");
  assert.match(testOf("process-exit", "test_params").message, /CNN/);
});

test("each of the two jobs starts one kernel and resets it for its next submissions", () => {
  assert.equal(results.submissions.filter((s) => !s.kernelReused).length, 2);
  assert.equal(results.submissions.filter((s) => s.kernelReused).length, results.submissions.length - 2);
});

test("deleted, duplicated and edited test cells are put back as released", () => {
  assert.deepEqual(submission("deleted-test-cell").restored, [{ gradeId: "test_shapes", kind: "duplicated" }, { gradeId: "test_params", kind: "deleted" }]);
  assert.deepEqual(submission("tampered-test-cell").restored.map((n) => `${n.gradeId}:${n.kind}`), ["test_shapes:edited", "test_params:edited", "test_training:edited"]);
  assert.equal(submission("correct").restored.length, 0);
});

test("feedback pages show pass/fail without hidden test code; stderr is shown but costs nothing; huge output is cut", () => {
  for (const f of readdirSync(path.join(grades, "feedback"))) {
    const html = readFileSync(path.join(grades, "feedback", f), "utf8");
    assert.ok(!/HIDDEN TESTS|trainBriefly\(trained\)|accuracy \$\{acc\}/.test(html), `${f} shows hidden test code`);
    assert.ok(html.length < 1_000_000, `${f} is ${html.length} characters`);
  }
  assert.ok(feedback("correct").includes("test_training: passed, 5 / 5 points"));
  assert.ok(feedback("correct").includes("Total: 10 / 10 points"));
  assert.ok(feedback("infinite-loop").includes("test_training: timeout, 0 / 5 points"));
  assert.ok(!feedback("correct").includes('class="stream stderr"'), "the kernel and the library print nothing on stderr");
  assert.ok(feedback("stderr-noise").includes('class="stream stderr"'));
  assert.ok(feedback("huge-output").includes("[output cut by the grader:"));
});

test("grade saves the graded notebooks, and nnlab feedback rewrites the same pages from them and results.json", async () => {
  const pages = readdirSync(path.join(grades, "feedback")).sort();
  assert.deepEqual(readdirSync(path.join(grades, "graded")).sort(), pages.map((f) => f.replace(/\.html$/, ".ipynb")));
  const again = path.join(dir, "pages");
  await run(process.execPath, [CLI, "feedback", "--assignment", path.join(dir, "release", "instructor", "cnn.json"), "--grades", grades, "--out", again]);
  for (const f of pages) assert.equal(readFileSync(path.join(again, f), "utf8"), readFileSync(path.join(grades, "feedback", f), "utf8"), f);
});
