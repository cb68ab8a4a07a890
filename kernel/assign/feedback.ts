/**
 * A student's feedback page: the graded notebook as an offline HTML page (kernel/notebook/html.ts),
 * with each test's result under it. Hidden test code never appears: test cells show the released
 * source, and the outputs and error messages of cells that contain hidden tests are withheld (only
 * pass/fail, points and the messages a test marked as public are shown). Answer cells show the
 * student's code and outputs as they ran.
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { escapeHtml } from "../../lib/display/rich";
import { renderHtml } from "../notebook/html";
import { writeAtomic, type Cell, type Notebook } from "../notebook/nbformat";
import { isSolution, nbgraderOf } from "./nbgrader";
import type { SubmissionResult, TestResult } from "./grade";
import type { AssignmentSpec, SpecCell } from "./spec";

const ICON: Record<TestResult["status"], string> = {
  passed: "✔", partial: "◐", failed: "✘", error: "✘", timeout: "✘", crashed: "✘", "not run": "✘", unanswered: "✘", manual: "…",
};

const points = (x: number | null): string => (x === null ? "?" : String(Math.round(x * 100) / 100));
const markdown = (source: string): Cell => ({ cell_type: "markdown", metadata: {}, source });

function resultCell(test: TestResult, hasHidden: boolean): Cell {
  const head = `**${ICON[test.status]} ${escapeHtml(test.cell)}: ${test.status}, ${points(test.points)} / ${points(test.max)} points**`;
  const showMessage = test.message !== "" && (!hasHidden || test.status === "passed" || test.status === "partial" || test.status === "timeout");
  const message = showMessage ? `\n\n${escapeHtml(test.message)}` : hasHidden && test.status !== "passed" ? "\n\n(details withheld: this test includes hidden tests)" : "";
  return markdown(head + message);
}

function feedbackCells(graded: Notebook, spec: AssignmentSpec, tests: readonly TestResult[]): Cell[] {
  const specOf = new Map<string, SpecCell>(spec.cells.map((c) => [c.gradeId, c]));
  return graded.cells.flatMap((cell) => {
    const s = specOf.get(nbgraderOf(cell)?.grade_id ?? "");
    const test = tests.find((t) => t.cell === s?.gradeId);
    if (s === undefined || test === undefined) return [cell];
    // An answer is the student's own code, shown as run; tests show their released source.
    if (isSolution(s.nbgrader)) return [cell, resultCell(test, false)];
    const hasHidden = s.source !== s.releaseSource;
    const shown = cell.cell_type === "code"
      ? { ...cell, source: s.releaseSource, outputs: hasHidden ? [] : cell.outputs }
      : cell;
    return [shown, resultCell(test, hasHidden)];
  });
}

export async function feedbackHtml(result: SubmissionResult, spec: AssignmentSpec): Promise<string> {
  const got = result.tests.reduce((s, t) => s + (t.points ?? 0), 0);
  const max = result.tests.reduce((s, t) => s + t.max, 0);
  const restored = result.restored.map((n) => `- ${escapeHtml(n.gradeId)}: ${n.kind === "deleted" ? "was deleted and was put back" : n.kind === "edited" ? "was edited; the original test was run" : "appeared twice; one copy was run"}`);
  const summary = [
    `# ${escapeHtml(spec.assignment)}: feedback for ${escapeHtml(result.student)}`,
    `**Total: ${points(got)} / ${points(max)} points** (${result.tests.filter((t) => t.status === "passed").length} of ${result.tests.length} tests passed)`,
    ...(result.unreadable ? [escapeHtml(result.unreadable)] : []),
    ...(restored.length > 0 ? [`Test cells restored before grading:\n\n${restored.join("\n")}`] : []),
  ].join("\n\n");
  const body = result.graded ? feedbackCells(result.graded, spec, result.tests) : [];
  const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [markdown(summary), ...body] };
  return renderHtml(nb, `${spec.assignment}: ${result.student}`);
}

/** Writes `<dir>/<student>.html` for each submission; returns the pages' paths. */
export async function writeFeedback(results: readonly SubmissionResult[], spec: AssignmentSpec, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const pages: string[] = [];
  for (const r of results) {
    const page = path.join(dir, `${r.student}.html`);
    writeAtomic(page, await feedbackHtml(r, spec));
    pages.push(page);
  }
  return pages;
}
