/**
 * Runs a notebook headless, like `jupyter nbconvert --execute` but without Python: starts the nnlab
 * kernel in the notebook's folder, executes the code cells in order, stops at the first error
 * (recorded in the notebook), and writes the executed copy and an HTML report atomically.
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { KernelClient } from "./client";
import { readNotebook, serializeNotebook, writeAtomic, type CodeCell, type Notebook } from "./nbformat";
import { OutputCollector } from "./outputs";
import { renderHtml } from "./html";

export interface CellFailure {
  /** Index of the cell in `notebook.cells`. */
  cellIndex: number;
  executionCount: number;
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunResult {
  notebook: Notebook;
  /** Code cells executed, the failing one included. */
  cellsRun: number;
  seconds: number;
  failure?: CellFailure;
}

export interface RunOptions {
  /** The kernel's working directory (relative imports and files); the notebook's folder for files. */
  cwd: string;
  /** Interrupts a cell that runs longer than this (default: no limit). */
  cellTimeoutMs?: number;
}

/** Outputs of cells not reached (after an error) are cleared so the report never mixes runs. */
function resetCodeCells(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) => (c.cell_type === "code" ? { ...c, execution_count: null, outputs: [] } : { ...c })),
  };
}

/** Runs one cell; past `timeoutMs` it is interrupted (the kernel then replies KeyboardInterrupt). */
async function executeCell(kernel: KernelClient, code: string, timeoutMs?: number) {
  let timedOut = false;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    void kernel.request("control", "interrupt_request", {}).catch(() => undefined);
  }, timeoutMs);
  try {
    return { ...await kernel.whileAlive(kernel.execute(code)), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

export async function executeNotebook(source: Notebook, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const notebook = resetCodeCells(source);
  const collector = new OutputCollector();
  const kernel = await KernelClient.start(options.cwd, undefined, "temp");
  let cellsRun = 0;
  let failure: CellFailure | undefined;
  try {
    for (const [cellIndex, cell] of notebook.cells.entries()) {
      // Like nbclient: blank cells are not sent to the kernel.
      if (cell.cell_type !== "code" || cell.source.trim() === "") continue;
      const { reply, outputs, timedOut } = await executeCell(kernel, cell.source, options.cellTimeoutMs);
      cellsRun++;
      (cell as CodeCell).execution_count = Number(reply.content.execution_count);
      (cell as CodeCell).outputs = collector.cell(outputs);
      if (reply.content.status !== "ok") {
        const c = reply.content;
        failure = {
          cellIndex, executionCount: Number(c.execution_count),
          ename: String(c.ename), traceback: (c.traceback ?? []) as string[],
          evalue: timedOut ? `the cell ran longer than the ${options.cellTimeoutMs} ms cell timeout and was interrupted` : String(c.evalue),
        };
        break;
      }
    }
  } finally {
    await kernel.close();
  }
  return { notebook, cellsRun, seconds: (performance.now() - started) / 1000, failure };
}

export interface FileRunResult extends RunResult {
  ipynbPath: string;
  htmlPath: string;
}

/** Executes `file` in its own folder and writes `<outDir>/<name>.ipynb` and `<outDir>/<name>.html`. */
export async function runNotebookFile(file: string, outDir: string, options: Omit<RunOptions, "cwd"> = {}): Promise<FileRunResult> {
  const source = readNotebook(file);
  const result = await executeNotebook(source, { ...options, cwd: path.dirname(path.resolve(file)) });
  const name = path.basename(file, ".ipynb");
  mkdirSync(outDir, { recursive: true });
  const ipynbPath = path.join(outDir, `${name}.ipynb`);
  const htmlPath = path.join(outDir, `${name}.html`);
  writeAtomic(ipynbPath, serializeNotebook(result.notebook));
  writeAtomic(htmlPath, await renderHtml(result.notebook, name));
  return { ...result, ipynbPath, htmlPath };
}
