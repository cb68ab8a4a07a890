/**
 * A lecture notebook as a student opens it, with four cells added at its end that show what the
 * lecture alone may not within one epoch: a live curve pushed to while the front end watches, a
 * type error and a runtime error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./servers";

export const PROBES = {
  live: 'const probe = plot.live({ title: "probe: pushed to by the next cell", budget: 1 });',
  // One point a second: each push redraws (budget 1), slowly enough for the page to show each.
  push: "for (let step = 1; step <= 4; step++) {\n  probe.push({ step, loss: 1 / step });\n  await new Promise((r) => setTimeout(r, 1000));\n}",
  typeError: 'const lessons: number = "ten";',
  runtimeError: "torch.ones([2, 3]).matmul(torch.ones([2, 3]))",
};
export const TYPE_ERROR_TEXT = "Type 'string' is not assignable to type 'number'";
export const RUNTIME_ERROR_TEXT = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)";

interface NotebookJson { cells: { cell_type: string; source: string | string[] }[] }

/** Writes `<dir>/<name>` (the lecture's cells, then the probes); returns the cell index of each probe. */
export function writeLectureWithProbes(lecture: string, dir: string, name: string): Record<keyof typeof PROBES, number> {
  const nb = JSON.parse(readFileSync(path.join(ROOT, "notebooks", lecture), "utf8")) as NotebookJson;
  const first = nb.cells.length;
  const keys = Object.keys(PROBES) as (keyof typeof PROBES)[];
  nb.cells.push(...keys.map((k, i) => ({
    id: `probe-${i}`, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: PROBES[k],
  })));
  writeFileSync(path.join(dir, name), JSON.stringify(nb, null, 1));
  return Object.fromEntries(keys.map((k, i) => [k, first + i])) as Record<keyof typeof PROBES, number>;
}
