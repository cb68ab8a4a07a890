/**
 * Points for a grade cell (or a task), by nbgrader's determine_grade (utils.py, 0.9) with TypeScript's traps
 * removed: an error (or a timeout, or a crash) scores 0, otherwise the cell gets its points; but
 * output on stderr does not zero a cell, partial credit comes from a structured output
 * (GRADE_MIME) and a plain number as the last value is only a score with `numberIsScore`.
 */
import type { Output } from "../notebook/nbformat";
import { computeChecksum, isGrade, isSolution, isTask } from "./nbgrader";
import type { CellRun } from "./session";
import type { SpecCell } from "./spec";

/** A grade cell's partial credit: `{ points, max, message?, hidden? }` (see kernel/assign/api.ts). */
export const GRADE_MIME = "application/vnd.nnlab.grade+json";

export interface GradeReport { points: number; max: number; message?: string; hidden?: boolean }

export type TestStatus = "passed" | "partial" | "failed" | "error" | "timeout" | "crashed" | "not run" | "unanswered" | "manual";

export interface Score {
  /** null: to be graded by hand (nbgrader's None). */
  points: number | null;
  max: number;
  status: TestStatus;
  message: string;
  /** Messages the test reported, with whether each is for the instructor only. */
  reports: GradeReport[];
}

function gradeReports(outputs: readonly Output[]): GradeReport[] {
  return outputs.flatMap((o) => (o.output_type === "display_data" || o.output_type === "execute_result") && o.data[GRADE_MIME] !== undefined
    ? [o.data[GRADE_MIME] as unknown as GradeReport] : []);
}

/**
 * nbgrader's get_partial_grade: a last value whose text/plain is one number is the score when it is
 * above 0 (more than the cell's points is an error); anything else means full points.
 */
export function numberAsScore(outputs: readonly Output[], max: number): number | Error {
  const result = outputs.find((o) => o.output_type === "execute_result");
  if (result === undefined || result.output_type !== "execute_result") return max;
  const text = String(result.data["text/plain"] ?? "").trim();
  const value = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!(value > 0)) return max;
  return value > max ? new Error(`the cell's value ${value} is more than its ${max} points`) : value;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function fromReports(reports: GradeReport[], max: number): Pick<Score, "points" | "status" | "message"> {
  const got = reports.reduce((s, r) => s + clamp(Number(r.points) || 0, 0, Number(r.max) || 0), 0);
  const of = reports.reduce((s, r) => s + (Number(r.max) || 0), 0);
  const points = of > 0 ? (max * got) / of : max;
  const message = reports.filter((r) => r.message).map((r) => r.message).join("; ");
  return { points, status: points >= max ? "passed" : points > 0 ? "partial" : "failed", message };
}

export interface ScoreInput {
  spec: SpecCell;
  /** The student's source of a solution cell (null when the cell was deleted). */
  answer: string | null;
  run: CellRun | undefined;
  outputs: readonly Output[];
  numberIsScore: boolean;
}

export function scoreCell({ spec, answer, run, outputs, numberIsScore }: ScoreInput): Score {
  const max = Number(spec.nbgrader.points ?? 0);
  const reports = gradeReports(outputs);
  // A task (nbgrader's "task" cell) is graded by hand; its points count towards the maximum.
  if (isTask(spec.nbgrader)) return { points: null, max, status: "manual", message: "a task, graded by hand", reports };
  if (!isGrade(spec.nbgrader)) throw new Error(`${spec.gradeId} is neither a grade cell nor a task`);
  if (isSolution(spec.nbgrader) || spec.cellType !== "code") {
    // A manually graded answer left as released scores 0 (nbgrader compares checksums).
    const unchanged = answer === null || computeChecksum(spec.cellType, answer, spec.nbgrader) === spec.nbgrader.checksum;
    return unchanged ? { points: 0, max, status: "unanswered", message: "left as released", reports }
      : { points: null, max, status: "manual", message: "to be graded by hand", reports };
  }
  if (run === undefined) return { points: 0, max, status: "not run", message: "the cell was not run", reports };
  if (run.status !== "ok") return { points: 0, max, status: run.status, message: run.message ?? run.status, reports };
  if (reports.length > 0) return { ...fromReports(reports, max), max, reports };
  if (numberIsScore) {
    const value = numberAsScore(outputs, max);
    if (value instanceof Error) return { points: 0, max, status: "error", message: value.message, reports };
    return { points: value, max, status: value >= max ? "passed" : "partial", message: "", reports };
  }
  return { points: max, max, status: "passed", message: "", reports };
}
