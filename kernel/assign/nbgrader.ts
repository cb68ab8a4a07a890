/**
 * nbgrader's cell metadata (schema version 3) and its rules, ported so that notebooks written by
 * nbgrader load unchanged and checksums agree with nbgrader's own (nbgrader/utils.py, 0.9:
 * is_grade, is_solution, is_locked, compute_checksum, determine_grade, get_partial_grade).
 */
import { createHash } from "node:crypto";
import type { Cell } from "../notebook/nbformat";
import { AssignmentError } from "./errors";

/** `cell.metadata.nbgrader` as nbgrader's create-assignment extension writes it (schema_version 3). */
export type NbgraderMetadata = {
  grade: boolean;
  solution: boolean;
  locked: boolean;
  task?: boolean;
  grade_id: string;
  points?: number;
  schema_version: 3;
  /** The cell's own type, recorded by nbgrader's ComputeChecksums. */
  cell_type?: string;
  checksum?: string;
};

export function nbgraderOf(cell: Cell): NbgraderMetadata | undefined {
  return (cell.metadata as { nbgrader?: NbgraderMetadata }).nbgrader;
}

export const isGrade = (m: NbgraderMetadata | undefined): boolean => m?.grade === true;
export const isSolution = (m: NbgraderMetadata | undefined): boolean => m?.solution === true;
export const isTask = (m: NbgraderMetadata | undefined): boolean => m?.task === true;

/** nbgrader's is_locked: solution cells never are, grade cells always are, others when marked. */
export function isLocked(m: NbgraderMetadata | undefined): boolean {
  if (m === undefined || isSolution(m)) return false;
  return isGrade(m) || m.locked === true;
}

/** Python's `str(float(x))` for the numbers points take: 1 -> "1.0", 2.5 -> "2.5". */
export function pythonFloat(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

const pythonBool = (b: boolean): string => (b ? "True" : "False");

/**
 * nbgrader's compute_checksum (utils.py): md5 over, in this order, the source, the cell type,
 * str(is_grade), str(is_solution), str(is_locked), the grade_id and, for grade cells only,
 * str(float(points)); all UTF-8, no separators.
 */
export function computeChecksum(cellType: Cell["cell_type"], source: string, m: NbgraderMetadata): string {
  const md5 = createHash("md5");
  for (const part of [source, cellType, pythonBool(isGrade(m)), pythonBool(isSolution(m)), pythonBool(isLocked(m)), m.grade_id]) md5.update(part, "utf8");
  if (isGrade(m)) md5.update(pythonFloat(Number(m.points ?? 0)), "utf8");
  return md5.digest("hex");
}

/** Checks what nbgrader's CheckCellMetadata checks: ids present and unique, points on grade cells. */
export function validateCells(cells: readonly Cell[], file: string): void {
  const seen = new Set<string>();
  for (const [i, cell] of cells.entries()) {
    const m = nbgraderOf(cell);
    if (m === undefined) continue;
    const where = `${file}, cell ${i}`;
    if (isGrade(m) || isSolution(m) || isLocked(m) || isTask(m)) {
      if (typeof m.grade_id !== "string" || m.grade_id === "") throw new AssignmentError(`${where} is an nbgrader cell without a grade_id: give it a unique grade_id`);
      if (seen.has(m.grade_id)) throw new AssignmentError(`${where} repeats grade_id "${m.grade_id}": every graded, solution or locked cell needs its own`);
      seen.add(m.grade_id);
    }
    if (isGrade(m) && !(Number(m.points) >= 0)) throw new AssignmentError(`${where} ("${m.grade_id}") is a grade cell without points >= 0: set metadata.nbgrader.points`);
  }
}
