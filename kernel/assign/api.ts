/**
 * The assignment API preloaded into every notebook: `grade()` for test authors (partial credit with
 * a message, read by `nnlab grade`) and `check()` for students (runs the public tests).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { display } from "../../lib/display";
import { DISPLAY } from "../../lib/display/protocol";
import { AssignmentError } from "./errors";
import { GRADE_MIME, type GradeReport } from "./score";

export interface GradeOptions {
  /** The message is for the instructor only (feedback shows pass/fail without it). */
  hidden?: boolean;
}

/**
 * Reports partial credit from a test cell: `grade(2, 3, "2 of 3 layers have the right shape")`.
 * The grader gives the cell points × 2/3; several calls in one cell add up.
 */
export function grade(points: number, max: number, message = "", options: GradeOptions = {}): void {
  const report: GradeReport = { points, max, message, hidden: options.hidden === true };
  display({ [DISPLAY]: () => ({ [GRADE_MIME]: report, "text/plain": `${points} / ${max}${message ? `: ${message}` : ""}` }) });
}

/**
 * Runs the public tests of this assignment's notebook (as last saved) in a fresh kernel and prints
 * which pass; `file` is needed only when the folder holds several assignment notebooks.
 */
export async function check(file?: string): Promise<void> {
  // Loaded on first use: the grading code (ZeroMQ client and all) stays out of every kernel's start.
  const { GRADING_ENV, findAssignmentNotebook } = require("./check") as typeof import("./check");
  if (process.env[GRADING_ENV] === "1") return;
  const notebook = file ?? findAssignmentNotebook(process.cwd());
  const cli = path.join(__dirname, "..", "cli.js");
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [cli, "check", notebook], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      process.stdout.write(stdout);
      if (error) reject(new AssignmentError(`check failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
    child.stdin?.end();
  });
}
