/**
 * Puts an assignment's locked and test cells back into a submission by grade_id, as nbgrader's
 * OverwriteCells does, and more: a deleted cell is inserted again after the spec cell before it, a
 * duplicated one is dropped, an edited one gets the spec's source back (always TypeScript, never
 * commented out). Solution cells keep the student's source with the spec's metadata.
 */
import type { Cell, Notebook } from "../notebook/nbformat";
import { isLocked, nbgraderOf } from "./nbgrader";
import type { AssignmentSpec, SpecCell } from "./spec";

export type RestoreKind = "deleted" | "duplicated" | "edited";
export interface RestoreNote { gradeId: string; kind: RestoreKind }

export interface Restored {
  notebook: Notebook;
  notes: RestoreNote[];
}

function specCellAsCell(spec: SpecCell, source: string, metadata: Cell["metadata"] = {}): Cell {
  const m = { ...metadata, nbgrader: spec.nbgrader };
  return spec.cellType === "code"
    ? { cell_type: "code", metadata: m, source, outputs: [], execution_count: null }
    : { cell_type: spec.cellType, metadata: m, source } as Cell;
}

/** A submitted cell as grading runs it: locked cells from the spec, answers from the student. */
function restoreCell(cell: Cell, spec: SpecCell, notes: RestoreNote[]): Cell {
  if (!isLocked(spec.nbgrader)) return specCellAsCell(spec, cell.source, cell.metadata);
  if (cell.source !== spec.releaseSource || cell.cell_type !== spec.cellType) notes.push({ gradeId: spec.gradeId, kind: "edited" });
  return specCellAsCell(spec, spec.source, cell.metadata);
}

/** A cell with an nbgrader grade_id the spec does not know is kept as the student's, without it. */
function withoutNbgrader(cell: Cell): Cell {
  const { nbgrader: _unknown, ...metadata } = cell.metadata as Record<string, unknown>;
  return { ...cell, metadata } as Cell;
}

export function restoreCells(submission: Notebook, spec: AssignmentSpec): Restored {
  const byId = new Map(spec.cells.map((c) => [c.gradeId, c]));
  const placed = new Map<string, Cell>();
  const notes: RestoreNote[] = [];
  const cells: Cell[] = [];
  for (const cell of submission.cells) {
    const id = nbgraderOf(cell)?.grade_id;
    const specCell = id === undefined ? undefined : byId.get(id);
    if (id === undefined || specCell === undefined) {
      cells.push(id === undefined ? cell : withoutNbgrader(cell));
    } else if (placed.has(id)) {
      notes.push({ gradeId: id, kind: "duplicated" });
    } else {
      const restored = restoreCell(cell, specCell, notes);
      placed.set(id, restored);
      cells.push(restored);
    }
  }
  // Deleted spec cells go back right after the spec cell before them (or first, if none is left).
  let at = 0;
  for (const specCell of spec.cells) {
    const present = placed.get(specCell.gradeId);
    if (present !== undefined) {
      at = cells.indexOf(present) + 1;
      continue;
    }
    notes.push({ gradeId: specCell.gradeId, kind: "deleted" });
    const source = isLocked(specCell.nbgrader) ? specCell.source : specCell.releaseSource;
    cells.splice(at++, 0, specCellAsCell(specCell, source));
  }
  return { notebook: { ...submission, cells }, notes };
}
