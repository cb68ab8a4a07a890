/** Errors of authoring and grading assignments; each message says what was wrong and how to fix it. */
import { NnlabError } from "../errors";

/** A source notebook or instructor file that cannot be used as it is. */
export class AssignmentError extends NnlabError {}

/** `// BEGIN SOLUTION` without its end (or the like): names the cell and the marker. */
export class MarkerError extends AssignmentError {
  constructor(where: string, what: string) {
    super(`${where}: ${what} (markers are // BEGIN SOLUTION ... // END SOLUTION and // BEGIN HIDDEN TESTS ... // END HIDDEN TESTS, each on its own line)`);
  }
}
