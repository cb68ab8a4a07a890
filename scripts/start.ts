/**
 * `npm start [-- --out DIR] [--timeout SECONDS] [NOTEBOOK.ipynb ...]`: runs the lecture notebooks
 * (by default every notebooks/*.ipynb, sorted) headless with the nnlab kernel and writes
 * `<out>/<name>.ipynb` and `<out>/<name>.html` (default out: reports/). Exits 1 if a notebook failed.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../kernel/errors";
import { runNotebookFile, type FileRunResult } from "../kernel/notebook/execute";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm start -- [--out DIR] [--timeout SECONDS] [NOTEBOOK.ipynb ...]";

interface Options { out: string; cellTimeoutMs?: number; notebooks: string[] }

export function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: "string" }, timeout: { type: "string" } } });
  } catch (e) {
    throw new UsageError((e as Error).message, USAGE);
  }
  const { values, positionals } = parsed;
  const seconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--timeout needs a positive number of seconds, got ${JSON.stringify(values.timeout)}`, USAGE);
  const dir = path.join(ROOT, "notebooks");
  const notebooks = positionals.length > 0
    ? positionals.map((p) => path.resolve(p))
    : readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
  for (const nb of notebooks) {
    if (!existsSync(nb)) throw new UsageError(`no notebook at ${nb}`, USAGE);
    if (!nb.endsWith(".ipynb")) throw new UsageError(`${nb} is not an .ipynb file`, USAGE);
  }
  return { out: path.resolve(values.out ?? path.join(ROOT, "reports")), cellTimeoutMs: seconds && seconds * 1000, notebooks };
}

function describe(file: string, r: FileRunResult): string {
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  const line = `${r.failure ? "FAIL" : "ok  "} ${path.basename(file)}: ${r.cellsRun} cells, ${r.seconds.toFixed(1)} s -> ${rel(r.htmlPath)}`;
  if (!r.failure) return line;
  const f = r.failure;
  return `${line}\n  cell ${f.cellIndex} (In[${f.executionCount}]) failed: ${f.ename}: ${f.evalue}\n` +
    f.traceback.map((l) => `    ${l}`).join("\n");
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  let failed = 0;
  for (const file of options.notebooks) {
    const result = await runNotebookFile(file, options.out, { cellTimeoutMs: options.cellTimeoutMs });
    if (result.failure) failed++;
    console.log(describe(file, result));
  }
  if (failed > 0) console.log(`${failed} of ${options.notebooks.length} notebooks failed`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
    console.error(e instanceof UsageError ? e.message : e.stack);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
