/**
 * `npm start [-- NOTEBOOK.ipynb... --out DIR --timeout SECONDS ...]`: `nnlab run --html` over the
 * lecture notebooks (by default every notebooks/*.ipynb, sorted) into reports/ (by default).
 * `NNLAB_QUICK=1 npm start` is the quick setting (a training subset, one epoch).
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../kernel/errors";
import { parseRunArgs, runNotebooks } from "../kernel/notebook/command";

const ROOT = path.resolve(__dirname, "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");

function main(argv: string[]): Promise<number> {
  const command = parseRunArgs(argv);
  const notebooks = command.notebooks.length > 0 ? command.notebooks
    : readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.relative(process.cwd(), path.join(NOTEBOOKS, f)));
  return runNotebooks({ ...command, notebooks, html: true, outDir: command.outDir ?? path.join(ROOT, "reports") });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
  console.error(e instanceof UsageError ? e.message : e.stack);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
