/**
 * An assignment as grading needs it: every nbgrader cell of the source notebook, in order, with
 * the source that grading runs and the source students were given. The instructor file holds the
 * full tests (hidden parts included) and never goes to students; the release notebook carries a
 * public copy (hidden parts removed) in its metadata, which the student-side `check()` runs.
 */
import { readFileSync } from "node:fs";
import type { Cell, Notebook } from "../notebook/nbformat";
import { AssignmentError } from "./errors";
import type { NbgraderMetadata } from "./nbgrader";

export type SpecCell = {
  gradeId: string;
  cellType: Cell["cell_type"];
  /** The cell's metadata as released; its checksum is nbgrader's, over `releaseSource`. */
  nbgrader: NbgraderMetadata;
  /** What grading runs: the whole test, hidden parts included (the public spec: the released test). */
  source: string;
  /** What students were given: hidden tests removed, solutions replaced by the stub. */
  releaseSource: string;
};

export type AssignmentSpec = {
  format: "nnlab-assignment";
  version: 1;
  /** Who may see it: "instructor" (hidden tests inside) or "student" (public tests only). */
  audience: "instructor" | "student";
  assignment: string;
  /** The release notebook's file name without .ipynb. */
  notebook: string;
  cells: SpecCell[];
};

/** Where the release notebook keeps its public spec (notebook-level metadata). */
export const RELEASE_METADATA_KEY = "nnlab_assignment";

export function parseSpec(json: string, file: string): AssignmentSpec {
  const spec = JSON.parse(json) as Partial<AssignmentSpec>;
  if (spec.format !== "nnlab-assignment" || spec.version !== 1 || !Array.isArray(spec.cells)) {
    throw new AssignmentError(`${file} is not an nnlab assignment file (format "nnlab-assignment", version 1): write one with nnlab assign SOURCE.ipynb --out DIR`);
  }
  return spec as AssignmentSpec;
}

export function readSpec(file: string): AssignmentSpec {
  return parseSpec(readFileSync(file, "utf8"), file);
}

/** The public spec a release notebook carries, or undefined for a notebook that is not an assignment. */
export function releasedSpec(nb: Notebook): AssignmentSpec | undefined {
  const spec = (nb.metadata as Record<string, unknown>)[RELEASE_METADATA_KEY];
  return spec === undefined ? undefined : parseSpec(JSON.stringify(spec), "the notebook's metadata");
}
