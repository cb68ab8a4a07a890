/**
 * The assignment subcommands, dispatched from kernel/cli.ts:
 *   nnlab assign SOURCE.ipynb --out DIR [--assignment NAME]
 *   nnlab grade --assignment INSTRUCTOR.json SUBMISSION.ipynb... [--jobs N] [--timeout S] [--seed K] [--number-is-score] --out DIR
 *   nnlab feedback --assignment INSTRUCTOR.json --grades DIR [--out DIR]
 *   nnlab check NOTEBOOK.ipynb [--timeout S]
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors";
import { checkNotebook, GRADING_ENV } from "./check";
import { writeFeedback } from "./feedback";
import { DEFAULT_GRADE_OPTIONS, gradeAll } from "./grade";
import { writeRelease } from "./release";
import { readSpec } from "./spec";
import { gradesPaths, readGraded } from "./store";

export const USAGE = `usage:
  nnlab assign SOURCE.ipynb --out DIR [--assignment NAME]
      writes DIR/student/NAME.ipynb (hand out) and DIR/instructor/NAME.json (keep: hidden tests inside)
  nnlab grade --assignment INSTRUCTOR.json SUBMISSION.ipynb... --out DIR [--jobs N] [--timeout SECONDS] [--seed K] [--number-is-score]
      writes DIR/grades.csv, DIR/results.json, DIR/graded/STUDENT.ipynb and DIR/feedback/STUDENT.html
  nnlab feedback --assignment INSTRUCTOR.json --grades DIR [--out PAGES_DIR]
      rewrites the feedback pages (default DIR/feedback/STUDENT.html) from what grade saved in DIR, e.g. after editing points in DIR/results.json
  nnlab check NOTEBOOK.ipynb [--timeout SECONDS]
      runs the public tests of a released notebook and prints which pass (what check() in a cell does)`;

function assign(args: string[]): void {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" }, assignment: { type: "string" } } });
  if (positionals.length !== 1 || values.out === undefined) throw new UsageError("nnlab assign needs one SOURCE.ipynb and --out DIR", USAGE);
  const { notebookPath, instructorPath } = writeRelease(positionals[0], values.out, values.assignment);
  console.log(`release notebook (hand out): ${notebookPath}\ninstructor file (keep, never hand out): ${instructorPath}`);
}

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`--${name} must be a number > 0, got ${JSON.stringify(value)}`, USAGE);
  return n;
}

async function grade(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      assignment: { type: "string" }, out: { type: "string" }, jobs: { type: "string" }, timeout: { type: "string" },
      seed: { type: "string" }, "number-is-score": { type: "boolean" },
    },
  });
  if (values.assignment === undefined || values.out === undefined || positionals.length === 0) {
    throw new UsageError("nnlab grade needs --assignment INSTRUCTOR.json, --out DIR and at least one submission", USAGE);
  }
  const seed = values.seed === undefined ? DEFAULT_GRADE_OPTIONS.seed : Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, got ${JSON.stringify(values.seed)}`, USAGE);
  // Parallelism comes from jobs: each grading kernel computes on one thread unless NNLAB_THREADS says otherwise.
  process.env["NNLAB_THREADS"] ??= "1";
  process.env[GRADING_ENV] = "1";
  const run = await gradeAll(readSpec(values.assignment), positionals, values.out, {
    ...DEFAULT_GRADE_OPTIONS,
    jobs: Math.floor(positiveNumber(values.jobs, "jobs", DEFAULT_GRADE_OPTIONS.jobs)),
    timeoutMs: positiveNumber(values.timeout, "timeout", DEFAULT_GRADE_OPTIONS.timeoutMs / 1000) * 1000,
    seed, numberIsScore: values["number-is-score"] === true,
  });
  for (const r of run.results) {
    const got = r.tests.reduce((s, t) => s + (t.points ?? 0), 0);
    const max = r.tests.reduce((s, t) => s + t.max, 0);
    console.log(`${r.student}: ${Math.round(got * 100) / 100} / ${max} (${r.seconds.toFixed(1)} s)`);
  }
  console.log(`graded ${run.results.length} submissions in ${run.seconds.toFixed(1)} s; ${run.files.csv}, ${run.files.json}`);
}

async function feedback(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { assignment: { type: "string" }, grades: { type: "string" }, out: { type: "string" } } });
  if (values.assignment === undefined || values.grades === undefined) {
    throw new UsageError("nnlab feedback needs --assignment INSTRUCTOR.json and --grades DIR (the folder nnlab grade --out wrote)", USAGE);
  }
  const spec = readSpec(values.assignment);
  const dir = values.out ?? gradesPaths(values.grades).feedback;
  const pages = await writeFeedback(readGraded(values.grades, spec), spec, dir);
  console.log(`wrote ${pages.length} feedback pages in ${dir}`);
}

async function check(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { timeout: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("nnlab check needs one NOTEBOOK.ipynb", USAGE);
  const timeoutMs = positiveNumber(values.timeout, "timeout", DEFAULT_GRADE_OPTIONS.timeoutMs / 1000) * 1000;
  for (const line of await checkNotebook(positionals[0], timeoutMs)) console.log(line);
}

/** Subcommand name -> handler (its arguments after the name). */
export const COMMANDS: Record<string, (args: string[]) => void | Promise<void>> = { assign, grade, feedback, check };
