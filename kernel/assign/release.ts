/**
 * `nnlab assign`: from a source notebook (solutions and hidden tests inside) to the release notebook
 * students get and the instructor file grading uses. The steps are nbgrader's generate_assignment
 * ones (LockCells, ClearSolutions, ClearOutput, ComputeChecksums, SaveCells, ClearHiddenTests,
 * ComputeChecksums) with TypeScript's comment markers and stub.
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { readNotebook, serializeNotebook, writeAtomic, type Cell, type Notebook } from "../notebook/nbformat";
import { MarkerError } from "./errors";
import { computeChecksum, isGrade, isLocked, isSolution, nbgraderOf, validateCells, type NbgraderMetadata } from "./nbgrader";
import { RELEASE_METADATA_KEY, type AssignmentSpec, type SpecCell } from "./spec";

/** What replaces a solution region in a code cell (nbgrader's ClearSolutions.code_stub, for TypeScript). */
export const CODE_STUB = '// YOUR CODE HERE\nthrow new Error("not implemented");';
/** What replaces a whole solution cell written in markdown (nbgrader's text_stub). */
export const TEXT_STUB = "YOUR ANSWER HERE";

interface Markers { begin: string; end: string; name: string }
export const SOLUTION: Markers = { begin: "BEGIN SOLUTION", end: "END SOLUTION", name: "solution" };
export const HIDDEN_TESTS: Markers = { begin: "BEGIN HIDDEN TESTS", end: "END HIDDEN TESTS", name: "hidden tests" };

/**
 * Replaces each marked region, marker lines included, by `stub` (indented like the BEGIN line), as
 * nbgrader does: markers match anywhere in a line, so `// BEGIN SOLUTION` works. Returns undefined
 * when the source has no region.
 */
export function replaceRegions(source: string, markers: Markers, stub: string | undefined, where: string): string | undefined {
  const out: string[] = [];
  let inside = false;
  let found = false;
  for (const line of source.split("\n")) {
    if (line.includes(markers.begin)) {
      if (inside) throw new MarkerError(where, `a nested ${markers.begin}`);
      inside = true;
      found = true;
      const indent = /^\s*/.exec(line)![0];
      if (stub !== undefined) out.push(...stub.split("\n").map((s) => indent + s));
    } else if (line.includes(markers.end)) {
      if (!inside) throw new MarkerError(where, `${markers.end} without ${markers.begin}`);
      inside = false;
    } else if (!inside) {
      out.push(line);
    }
  }
  if (inside) throw new MarkerError(where, `${markers.begin} without ${markers.end}`);
  return found ? out.join("\n") : undefined;
}

/** A solution cell's release source: regions stubbed, or the whole cell when it has none. */
function clearSolution(cell: Cell, where: string): string {
  const m = nbgraderOf(cell);
  const stub = cell.cell_type === "code" ? CODE_STUB : TEXT_STUB;
  const replaced = replaceRegions(cell.source, SOLUTION, stub, where);
  if (replaced !== undefined && !isSolution(m)) throw new MarkerError(where, "a solution region in a cell not marked as a solution cell; mark it (nbgrader.solution: true)");
  if (isSolution(m)) return replaced ?? stub;
  return cell.source;
}

function clearHiddenTests(source: string, m: NbgraderMetadata | undefined, where: string): string {
  const cleared = replaceRegions(source, HIDDEN_TESTS, undefined, where);
  if (cleared !== undefined && !isGrade(m)) throw new MarkerError(where, "hidden tests in a cell that is not a grade cell; mark it (nbgrader.grade: true, points)");
  return cleared ?? source;
}

/** nbgrader's LockCells with its defaults: grade and solution cells cannot be deleted, read-only cells not edited either. */
function lockFlags(m: NbgraderMetadata | undefined): Record<string, boolean> {
  if (m === undefined) return {};
  if (isGrade(m) || isSolution(m)) return { deletable: false };
  return isLocked(m) ? { deletable: false, editable: false } : {};
}

export interface Release {
  notebook: Notebook;
  instructor: AssignmentSpec;
}

export function makeRelease(source: Notebook, assignment: string, notebookName: string, file = notebookName): Release {
  validateCells(source.cells, file);
  const cells: Cell[] = [];
  const specCells: SpecCell[] = [];
  for (const [i, cell] of source.cells.entries()) {
    const where = `${file}, cell ${i}`;
    const m = nbgraderOf(cell);
    const full = clearSolution(cell, where);
    const released = clearHiddenTests(full, m, where);
    const metadata = { ...cell.metadata, ...lockFlags(m) };
    if (m !== undefined) {
      // As nbgrader's ComputeChecksums writes it: the cell's type is recorded next to the checksum.
      const nbgrader: NbgraderMetadata = { ...m, schema_version: 3, cell_type: cell.cell_type, checksum: computeChecksum(cell.cell_type, released, m) };
      metadata.nbgrader = nbgrader;
      specCells.push({ gradeId: m.grade_id, cellType: cell.cell_type, nbgrader, source: full, releaseSource: released });
    }
    cells.push(cell.cell_type === "code"
      ? { ...cell, source: released, metadata, outputs: [], execution_count: null }
      : { ...cell, source: released, metadata });
  }
  const instructor: AssignmentSpec = { format: "nnlab-assignment", version: 1, audience: "instructor", assignment, notebook: notebookName, cells: specCells };
  const student: AssignmentSpec = { ...instructor, audience: "student", cells: specCells.map((c) => ({ ...c, source: c.releaseSource })) };
  return { notebook: { ...source, metadata: { ...source.metadata, [RELEASE_METADATA_KEY]: student }, cells }, instructor };
}

export interface ReleaseFiles { notebookPath: string; instructorPath: string }

/**
 * Writes `<out>/student/<name>.ipynb` (hand out this folder) and `<out>/instructor/<name>.json`
 * (keep it: it holds the hidden tests), each atomically.
 */
export function writeRelease(sourceFile: string, outDir: string, assignment?: string): ReleaseFiles {
  const name = path.basename(sourceFile, ".ipynb");
  const id = assignment ?? path.basename(path.dirname(path.resolve(sourceFile)));
  const { notebook, instructor } = makeRelease(readNotebook(sourceFile), id, name, sourceFile);
  const studentDir = path.join(outDir, "student");
  const instructorDir = path.join(outDir, "instructor");
  mkdirSync(studentDir, { recursive: true });
  mkdirSync(instructorDir, { recursive: true });
  const notebookPath = path.join(studentDir, `${name}.ipynb`);
  const instructorPath = path.join(instructorDir, `${name}.json`);
  writeAtomic(instructorPath, `${JSON.stringify(instructor, null, 1)}\n`);
  writeAtomic(notebookPath, serializeNotebook(notebook));
  return { notebookPath, instructorPath };
}
