/**
 * `check()`, the student side: runs the public tests of the saved notebook the way grading runs
 * them, in a fresh kernel, and prints which pass. The public tests come from the release
 * notebook's metadata (written by `nnlab assign`), so a test cell the student edited or deleted is
 * checked as released; hidden tests are not in the student's notebook, so nothing is said of them.
 * A check (or grading) run sets GRADING_ENV, and check() cells do nothing inside it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseNotebook } from "../notebook/nbformat";
import { AssignmentError } from "./errors";
import { DEFAULT_GRADE_OPTIONS, gradeSubmission } from "./grade";
import { releasedSpec, type AssignmentSpec } from "./spec";

/** Set while a notebook is being graded or checked: check() in a cell then does nothing. */
export const GRADING_ENV = "NNLAB_GRADING";

function specOf(file: string): AssignmentSpec | undefined {
  try {
    return releasedSpec(parseNotebook(readFileSync(file, "utf8"), file));
  } catch {
    return undefined;
  }
}

/** The assignment notebook in `dir`: the only .ipynb there that `nnlab assign` released. */
export function findAssignmentNotebook(dir: string): string {
  const found = readdirSync(dir).filter((f) => f.endsWith(".ipynb")).map((f) => path.join(dir, f)).filter((f) => specOf(f) !== undefined);
  if (found.length === 1) return found[0];
  throw new AssignmentError(found.length === 0
    ? `no assignment notebook (one released by nnlab assign) in ${dir}: pass its file, check("name.ipynb")`
    : `several assignment notebooks in ${dir} (${found.map((f) => path.basename(f)).join(", ")}): pass one, check("name.ipynb")`);
}

const ICON = (status: string): string => (status === "passed" ? "✔" : status === "partial" ? "◐" : "✘");

/** Checks `file` (as saved) and returns the report's lines. */
export async function checkNotebook(file: string, timeoutMs = DEFAULT_GRADE_OPTIONS.timeoutMs): Promise<string[]> {
  const spec = specOf(file);
  if (spec === undefined) throw new AssignmentError(`${file} is not an assignment notebook released by nnlab assign (no ${"nnlab_assignment"} metadata)`);
  process.env[GRADING_ENV] = "1";
  const saved = statSync(file).mtime.toISOString();
  const result = await gradeSubmission(file, spec, { ...DEFAULT_GRADE_OPTIONS, timeoutMs });
  // Answers and tasks graded by hand are not tests.
  const tests = result.tests.filter((t) => t.status !== "manual" && t.status !== "unanswered");
  const lines = tests.map((t) => `${ICON(t.status)} ${t.cell}: ${t.status}${t.message ? ` (${t.message})` : ""}`);
  const passed = tests.filter((t) => t.status === "passed").length;
  return [
    `checked ${path.basename(file)} as saved at ${saved} (save first to check your latest changes)`,
    ...lines,
    passed === tests.length ? `all ${passed} public tests passed` : `${passed} of ${tests.length} public tests passed`,
  ];
}
