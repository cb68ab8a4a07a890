/**
 * `nnlab grade`: every submission restored against the instructor file, run on its job's kernel
 * (at most `jobs` at once), reset before each submission so students never share state, scored
 * cell by cell; then grades.csv, results.json, the graded notebooks and one feedback page per
 * student, all written atomically (the folder's layout: kernel/assign/store.ts).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { KernelSlot } from "../notebook/execute";
import { parseNotebook, writeAtomic, type CodeCell, type Notebook } from "../notebook/nbformat";
import { PROJECT_ROOT } from "../prelude";
import { writeFeedback } from "./feedback";
import { isGrade, isTask, nbgraderOf } from "./nbgrader";
import { restoreCells, type RestoreNote } from "./restore";
import { scoreCell, type Score } from "./score";
import { runForGrading, type SessionResult } from "./session";
import { gradesPaths, saveGraded } from "./store";
import type { AssignmentSpec } from "./spec";

export interface GradeOptions {
  jobs: number;
  timeoutMs: number;
  seed: number;
  numberIsScore: boolean;
  maxOutputChars: number;
}

export const DEFAULT_GRADE_OPTIONS: GradeOptions = { jobs: 1, timeoutMs: 60_000, seed: 0, numberIsScore: false, maxOutputChars: 100_000 };

export interface TestResult extends Omit<Score, "reports"> {
  cell: string;
  seconds: number;
  seed: number;
  /** Messages of the test's hidden parts, for the instructor only. */
  hiddenMessages: string[];
}

export interface SubmissionResult {
  student: string;
  file: string;
  seconds: number;
  /** Kernel processes started for it: 0 when it ran on its job's kernel, reset (kernelReused), and that kernel did not die. */
  kernelStarts: number;
  /** It ran on a kernel reset after an earlier submission of its job, not a new process. */
  kernelReused?: boolean;
  restored: RestoreNote[];
  /** Why nothing could be run (a file that is not a notebook), if so. */
  unreadable?: string;
  tests: TestResult[];
  /** The notebook as graded (tests restored, outputs in). */
  graded?: Notebook;
}

/** `alice.ipynb` is alice's; `alice/10-1.ipynb` (the release notebook's own name) is too. */
export function studentOf(file: string, spec: AssignmentSpec): string {
  const name = path.basename(file, ".ipynb");
  return name === spec.notebook ? path.basename(path.dirname(path.resolve(file))) : name;
}

function scores(spec: AssignmentSpec, graded: Notebook, session: SessionResult | undefined, options: GradeOptions): TestResult[] {
  const cellOf = new Map(graded.cells.flatMap((c, i) => { const id = nbgraderOf(c)?.grade_id; return id === undefined ? [] : [[id, i] as const]; }));
  return spec.cells.filter((s) => isGrade(s.nbgrader) || isTask(s.nbgrader)).map((s) => {
    const index = cellOf.get(s.gradeId);
    const cell = index === undefined ? undefined : graded.cells[index];
    const run = session?.runs.find((r) => r.index === index);
    const { reports, ...score } = scoreCell({
      spec: s, answer: cell?.source ?? null, run, numberIsScore: options.numberIsScore,
      outputs: cell?.cell_type === "code" ? (cell as CodeCell).outputs : [],
    });
    const hiddenMessages = reports.filter((r) => r.hidden === true && r.message).map((r) => String(r.message));
    const publicMessage = reports.length > 0 ? reports.filter((r) => r.hidden !== true && r.message).map((r) => r.message).join("; ") : score.message;
    return { cell: s.gradeId, ...score, message: publicMessage, hiddenMessages, seconds: run?.seconds ?? 0, seed: options.seed };
  });
}

/** Grades one file; given a KernelSlot, on its kernel (reset first), else in a kernel of its own. */
export async function gradeSubmission(file: string, spec: AssignmentSpec, options: GradeOptions, kernelSlot?: KernelSlot): Promise<SubmissionResult> {
  const started = performance.now();
  const student = studentOf(file, spec);
  let submission: Notebook;
  try {
    submission = parseNotebook(readFileSync(file, "utf8"), file);
  } catch (e) {
    const why = `the submission cannot be read: ${(e as Error).message}`;
    const tests = scores(spec, { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }, undefined, options)
      .map((t) => ({ ...t, points: 0, status: "not run" as const, message: why }));
    return { student, file, seconds: (performance.now() - started) / 1000, kernelStarts: 0, restored: [], unreadable: why, tests };
  }
  const { notebook, notes } = restoreCells(submission, spec);
  const session = await runForGrading(notebook, {
    cwd: path.dirname(path.resolve(file)), timeoutMs: options.timeoutMs, seed: options.seed, maxOutputChars: options.maxOutputChars, kernelSlot,
  });
  return {
    student, file, seconds: (performance.now() - started) / 1000, kernelStarts: session.kernelStarts, kernelReused: session.kernelReused, restored: notes,
    tests: scores(spec, session.notebook, session, options), graded: session.notebook,
  };
}

/**
 * V8 options of the grading kernels. A grading kernel's runner lives for one submission (~0.2 s
 * from reset to reset), and V8 spent much of it on work for a long life (perf and --trace-gc of 20
 * submissions on one kernel, 2026-12-02):
 * - TurboFan optimized the runner's hot functions (the module loader's path handling, tfjs's) on
 *   background threads, work thrown away at the next reset: 30 % of the kernel's CPU time. An
 *   interrupt budget 4 times V8's default (67584 bytes of bytecode) optimizes a function only
 *   after it has run 4 times as long; a long loop in a cell is still optimized.
 * - Each fresh runner did a full (mark-compact) collection once its old space reached ~20 MB, V8's
 *   first limit, marking on background threads: 23 in 20 submissions. A first limit of 64 MB
 *   leaves one (the checker's).
 * Together: about 25 % less CPU per submission, the same wall time.
 * $NNLAB_GRADING_NODE_OPTIONS (space-separated; empty for none) replaces them.
 */
export const GRADING_NODE_OPTIONS: readonly string[] = (process.env.NNLAB_GRADING_NODE_OPTIONS ?? "--interrupt-budget=270336 --initial-old-space-size=64").split(" ").filter((o) => o !== "");

/**
 * Runs `work` over `items` with at most `jobs` running at once; results keep the items' order.
 * `job` (0 to jobs - 1) says which of the parallel jobs runs the item: one job's items run one after another.
 */
export async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T, job: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (job: number): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], job);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, (_, job) => worker(job)));
  return results;
}

/**
 * Grades `files` with at most `jobs` at once. Each job keeps one kernel for its submissions, reset
 * between them (a fresh runner, nothing of the last student left; see KernelSlot), and closes it at
 * the end, also after an error.
 */
async function gradeFiles(spec: AssignmentSpec, files: readonly string[], options: GradeOptions): Promise<SubmissionResult[]> {
  const slots = Array.from({ length: options.jobs }, () => new KernelSlot(undefined, GRADING_NODE_OPTIONS));
  try {
    return await pool(files, options.jobs, (f, job) => gradeSubmission(f, spec, options, slots[job]));
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
}

export function versions(): Record<string, string> {
  const version = (file: string): string => (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  return {
    nnlab: version(path.join(PROJECT_ROOT, "package.json")),
    "tfjs-core": version(require.resolve("@tensorflow/tfjs-core/package.json", { paths: [PROJECT_ROOT] })),
    node: process.version,
  };
}

/** CSV field: quoted when it holds a comma, a quote or a line break. */
const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
/** Points as numbers print, without float noise: 2/3 of 3 points is 2. */
const formatPoints = (x: number | null): string => (x === null ? "" : String(Math.round(x * 1e6) / 1e6));

export function gradesCsv(results: readonly SubmissionResult[], assignment: string): string {
  const rows = results.flatMap((r) => r.tests.map((t) => [r.student, assignment, t.cell, formatPoints(t.points), formatPoints(t.max)]));
  return [["student", "assignment", "cell", "points", "max"], ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

export interface GradeRun {
  results: SubmissionResult[];
  seconds: number;
  files: { csv: string; json: string; feedback: string[] };
}

/** Grades `files` and writes `<out>/grades.csv`, `<out>/results.json`, `<out>/graded/<student>.ipynb` and `<out>/feedback/<student>.html`. */
export async function gradeAll(spec: AssignmentSpec, files: readonly string[], outDir: string, options: GradeOptions): Promise<GradeRun> {
  const started = performance.now();
  const results = await gradeFiles(spec, files, options);
  const seconds = (performance.now() - started) / 1000;
  const { csv, json, feedback: feedbackDir } = gradesPaths(outDir);
  mkdirSync(outDir, { recursive: true });
  writeAtomic(csv, gradesCsv(results, spec.assignment));
  const summary = {
    assignment: spec.assignment, notebook: spec.notebook, versions: versions(), seconds,
    options: { ...options, cores: availableParallelism() },
    submissions: results.map(({ graded: _graded, ...r }) => r),
  };
  writeAtomic(json, `${JSON.stringify(summary, null, 1)}\n`);
  saveGraded(outDir, results);
  const feedback = await writeFeedback(results, spec, feedbackDir);
  return { results, seconds, files: { csv, json, feedback } };
}
