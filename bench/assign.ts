/**
 * Parallel grading: 40 copies of one small submission graded with --jobs 1 and with --jobs 2.
 * Each job starts one kernel and resets it between its copies (a fresh runner; the checker's parsed
 * TypeScript program is kept), so the time per submission is mostly the fresh runner's start and
 * the cells; with two jobs two kernels work at once. Prints seconds per submission for both and
 * the ratio (target: jobs 2 < 0.6 × jobs 1 on 2 cores).
 * `node dist/bench/assign.js [COPIES]` runs it alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_GRADE_OPTIONS, gradeAll } from "../kernel/assign/grade";
import { makeRelease } from "../kernel/assign/release";
import { serializeNotebook, type Cell, type Notebook } from "../kernel/notebook/nbformat";

const cell = (source: string, nbgrader: Record<string, unknown>): Cell =>
  ({ cell_type: "code", metadata: { nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, ...nbgrader } }, source, outputs: [], execution_count: null });

/** One answer (a small network's forward pass) and one test of it. */
const SOURCE: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [
    cell("function logits(x: torch.Tensor): torch.Tensor {\n  // BEGIN SOLUTION\n  return new nn.Linear(4, 3)(x);\n  // END SOLUTION\n}", { grade_id: "answer", solution: true }),
    cell("if (JSON.stringify(logits(torch.randn([2, 4])).shape) !== \"[2,3]\") throw new Error(\"logits should be (2, 3)\");", { grade_id: "test", grade: true, points: 1 }),
  ],
};

export async function run(copies = 40): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-bench-assign-"));
  process.env["NNLAB_THREADS"] ??= "1";
  try {
    const { instructor } = makeRelease(SOURCE, "bench", "bench");
    mkdirSync(path.join(dir, "submitted"));
    const files = Array.from({ length: copies }, (_, i) => {
      const file = path.join(dir, "submitted", `student${String(i).padStart(2, "0")}.ipynb`);
      writeFileSync(file, serializeNotebook(SOURCE));
      return file;
    });
    const results: Record<string, number | string> = { copies, cores: os.availableParallelism() };
    for (const jobs of [1, 2]) {
      const loadBefore = os.loadavg()[0];
      const graded = await gradeAll(instructor, files, path.join(dir, `jobs${jobs}`), { ...DEFAULT_GRADE_OPTIONS, jobs });
      const full = graded.results.every((r) => r.tests.every((t) => t.points === t.max));
      if (!full) throw new Error(`jobs ${jobs}: a copy of the correct submission lost points; see ${path.join(dir, `jobs${jobs}`, "results.json")}`);
      results[`jobs${jobs}_seconds`] = Math.round(graded.seconds * 10) / 10;
      results[`jobs${jobs}_s_per_submission`] = Math.round((graded.seconds / copies) * 100) / 100;
      // The 1-minute load average before and after: other work on the machine skews the ratio.
      results[`jobs${jobs}_load`] = `${loadBefore.toFixed(1)}-${os.loadavg()[0].toFixed(1)}`;
      console.log(`  --jobs ${jobs}: ${graded.seconds.toFixed(1)} s for ${copies} submissions, ${(graded.seconds / copies).toFixed(2)} s per submission (load ${results[`jobs${jobs}_load`]})`);
    }
    results.ratio = Math.round((Number(results.jobs2_seconds) / Number(results.jobs1_seconds)) * 1000) / 1000;
    console.log(`  jobs 2 / jobs 1 = ${results.ratio} (target < 0.6)`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run(process.argv[2] === undefined ? undefined : Number(process.argv[2])).catch((e: Error) => {
    console.error(e.stack);
    process.exit(1);
  });
}
