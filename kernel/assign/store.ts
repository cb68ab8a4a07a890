/**
 * What `nnlab grade --out DIR` leaves in DIR, and reading it back for `nnlab feedback`:
 *   DIR/grades.csv              student, assignment, cell, points, max
 *   DIR/results.json            per submission and test: status, points, messages, seconds, seed; versions
 *   DIR/graded/STUDENT.ipynb    the notebook as graded (tests restored, hidden parts included, outputs in): keep it
 *   DIR/feedback/STUDENT.html   the student's page (kernel/assign/feedback.ts): hand it out
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { readNotebook, serializeNotebook, writeAtomic } from "../notebook/nbformat";
import { AssignmentError } from "./errors";
import type { SubmissionResult } from "./grade";
import type { AssignmentSpec } from "./spec";

export function gradesPaths(dir: string): { csv: string; json: string; graded: string; feedback: string } {
  return {
    csv: path.join(dir, "grades.csv"), json: path.join(dir, "results.json"),
    graded: path.join(dir, "graded"), feedback: path.join(dir, "feedback"),
  };
}

const gradedFile = (dir: string, student: string): string => path.join(gradesPaths(dir).graded, `${student}.ipynb`);

/** Writes each graded notebook (a submission that could not be read has none). */
export function saveGraded(dir: string, results: readonly SubmissionResult[]): void {
  mkdirSync(gradesPaths(dir).graded, { recursive: true });
  for (const r of results) if (r.graded) writeAtomic(gradedFile(dir, r.student), serializeNotebook(r.graded));
}

/** The submissions in DIR/results.json with their graded notebooks, as `nnlab grade` wrote them (points may have been edited since). */
export function readGraded(dir: string, spec: AssignmentSpec): SubmissionResult[] {
  const { json } = gradesPaths(dir);
  if (!existsSync(json)) throw new AssignmentError(`${json} does not exist: pass --grades the folder that nnlab grade --out wrote`);
  const saved = JSON.parse(readFileSync(json, "utf8")) as { assignment?: string; submissions?: SubmissionResult[] };
  if (!Array.isArray(saved.submissions)) throw new AssignmentError(`${json} has no "submissions" list: it was not written by nnlab grade`);
  if (saved.assignment !== spec.assignment) {
    throw new AssignmentError(`${json} holds grades of assignment ${JSON.stringify(saved.assignment)}, not ${JSON.stringify(spec.assignment)}: pass --assignment that assignment's instructor file`);
  }
  return saved.submissions.map((r) => {
    if (r.unreadable !== undefined) return r;
    const file = gradedFile(dir, r.student);
    if (!existsSync(file)) throw new AssignmentError(`${file} is missing: nnlab grade writes the graded notebooks there; grade ${r.file} again`);
    return { ...r, graded: readNotebook(file) };
  });
}
