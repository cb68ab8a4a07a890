/**
 * `nnlab run NOTEBOOK.ipynb… [--out DIR] [--html] [--inplace] [--timeout S] [--allow-errors]`:
 * executes each notebook with the nnlab kernel (files.ts says where the results go), prints one
 * line per notebook and exits 1 if any failed (2 for a wrong command line or an unusable --out).
 * Each notebook is independent: a malformed file, a failing cell or a dead kernel is reported in
 * its line and the next notebook runs. The kernel inherits the environment, so `NNLAB_QUICK=1`
 * reaches the notebooks (their quick setting).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { NnlabError, OutputFolderError, UsageError } from "../errors";
import { hasTag } from "./execute";
import { prepareOutDir, runNotebookFile, type FileOptions, type FileRunResult } from "./files";

export const RUN_USAGE = `usage: nnlab run NOTEBOOK.ipynb... [--out DIR] [--html] [--inplace] [--timeout SECONDS] [--allow-errors]
  --out DIR        write NAME.ipynb (and NAME.html) into DIR (default: NAME.nbconvert.ipynb beside the notebook)
  --html           write an offline HTML report too (interactive charts, no network)
  --inplace        write the executed notebook over the source
  --timeout S      interrupt a cell that runs longer than S seconds (it counts as an error)
  --allow-errors   record cell errors and go on (as nbconvert); cells tagged raises-exception always may fail`;

export interface RunCommand extends FileOptions {
  notebooks: string[];
  /** --help: print the usage and run nothing. */
  help?: boolean;
}

export function parseRunArgs(argv: string[]): RunCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: { help: { type: "boolean" }, out: { type: "string" }, html: { type: "boolean" }, inplace: { type: "boolean" }, timeout: { type: "string" }, "allow-errors": { type: "boolean" } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message, RUN_USAGE);
  }
  const { values, positionals } = parsed;
  const seconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--timeout needs a positive number of seconds, got ${JSON.stringify(values.timeout)}`, RUN_USAGE);
  const notInput = positionals.filter((p) => !p.endsWith(".ipynb"));
  if (notInput.length > 0) throw new UsageError(`not an .ipynb file: ${notInput.join(", ")}`, RUN_USAGE);
  return {
    notebooks: positionals, help: values.help, outDir: values.out, html: values.html, inplace: values.inplace,
    cellTimeoutMs: seconds && seconds * 1000, allowErrors: values["allow-errors"],
  };
}

const rel = (p: string): string => path.relative(process.cwd(), p) || p;
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** "checks 2/2" over the cells tagged `check` that ran; empty when the notebook has none. */
function checks(r: FileRunResult): string {
  const tagged = r.cells.filter((c) => hasTag(r.notebook.cells[c.cellIndex]!, "check"));
  const all = r.notebook.cells.filter((c) => hasTag(c, "check")).length;
  return all === 0 ? "" : `, checks ${tagged.filter((c) => c.status === "ok").length}/${all} passed`;
}

/** The notebook's line (and a failing cell's traceback under it). */
export function describeRun(file: string, r: FileRunResult): string {
  const wrote = [r.ipynbPath, r.htmlPath].filter((p): p is string => p !== undefined).map(rel).join(", ");
  const errors = r.cells.filter((c) => c.error && !c.expected).length;
  const allowed = !r.failure && errors > 0 ? `, ${count(errors, "cell error")} allowed` : "";
  const head = `${r.failure ? "FAIL" : "ok  "} ${file}: ${count(r.cellsRun, "cell")}${checks(r)}${allowed}, ${r.seconds.toFixed(1)} s -> ${wrote}`;
  const f = r.failure;
  if (!f) return head;
  if (f.reason === "died") return `${head}\n  cell ${f.cellIndex}: ${f.evalue}`;
  return `${head}\n  cell ${f.cellIndex} (In[${f.executionCount}]) ${f.reason === "timeout" ? "timed out" : "failed"}: ${f.ename}: ${f.evalue}\n` +
    f.traceback.map((l) => `    ${l}`).join("\n");
}

/** Runs one file; what stops it from running at all (not a notebook, no kernel) becomes its line. */
async function runOne(file: string, options: FileOptions): Promise<{ ok: boolean; line: string }> {
  try {
    const result = await runNotebookFile(file, options);
    return { ok: !result.failure, line: describeRun(file, result) };
  } catch (e) {
    // Our errors and the file system's name what is wrong; anything else is a bug: show where.
    const known = e instanceof NnlabError || (e as NodeJS.ErrnoException).code !== undefined;
    return { ok: false, line: `FAIL ${file}: ${known ? (e as Error).message : (e as Error).stack}` };
  }
}

export async function runNotebooks(command: RunCommand, log: (line: string) => void = console.log): Promise<number> {
  if (command.help) {
    log(RUN_USAGE);
    return 0;
  }
  if (command.notebooks.length === 0) throw new UsageError("no notebook given", RUN_USAGE);
  if (command.outDir !== undefined) {
    try {
      prepareOutDir(command.outDir);
    } catch (e) {
      if (!(e instanceof OutputFolderError)) throw e;
      log(e.message);
      return 2;
    }
  }
  let failed = 0;
  for (const file of command.notebooks) {
    const { ok, line } = await runOne(file, command);
    if (!ok) failed++;
    log(line);
  }
  if (failed > 0) log(`${failed} of ${command.notebooks.length} notebooks failed`);
  return failed > 0 ? 1 : 0;
}

export async function runCommand(argv: string[]): Promise<number> {
  return runNotebooks(parseRunArgs(argv));
}
