/**
 * The notebook executor, like nbclient but without Python: starts the nnlab kernel (or resets one
 * kept in a KernelSlot), runs the code cells in order over the real protocol and stores their
 * outputs as Jupyter does. `nnlab run` and grading both use it.
 *
 *   const run = await runNotebook(notebook, { cwd, cellTimeoutMs, allowErrors, beforeCell, afterCell });
 *   run.notebook  the executed copy (the input is left as it was)
 *   run.cells     one CellResult per code cell sent to the kernel, in order
 *   run.failure   why the run failed, or undefined: the first unexpected cell error or timeout (the run
 *                 stops there unless allowErrors), or the kernel died (the run stops there unless
 *                 restartDeadKernel, and then it is a failure only as an error is)
 *
 * nbconvert's rules: blank cells are not sent; an error in a cell tagged `raises-exception` is
 * expected (recorded, the run goes on, no failure); `allowErrors` records every error and goes on.
 * A cell running past `cellTimeoutMs` is interrupted (KeyboardInterrupt, status "timeout"), and the
 * kernel is killed if it does not stop within `interruptGraceMs`. A failed run's notebook says so in
 * `metadata.nnlab.failure` (a later successful run removes it).
 */
import { KernelDiedError } from "../errors";
import type { Message } from "../wire";
import { CLI, KernelClient } from "./client";
import type { Cell, CodeCell, Notebook } from "./nbformat";
import { OutputCollector } from "./outputs";

type MetadataValue = Notebook["metadata"][string];

/**
 * How long a timed-out cell may take to stop after the interrupt before the kernel is killed: an
 * interrupt during the type check takes effect once it is done, which takes seconds on a busy machine.
 */
export const INTERRUPT_GRACE_MS = 30_000;

export interface CellError { ename: string; evalue: string; traceback: string[] }

export interface CellResult {
  /** Index of the cell in `notebook.cells`. */
  cellIndex: number;
  executionCount: number | null;
  /** "died": the kernel process ended while the cell ran. */
  status: "ok" | "error" | "timeout" | "died";
  /** The cell ran past its timeout: status "timeout", or "died" when it ignored the interrupt and the kernel was killed. */
  timedOut: boolean;
  error?: CellError;
  /** The error was expected: the cell is tagged `raises-exception`. */
  expected: boolean;
  seconds: number;
}

export interface CellFailure extends CellError {
  cellIndex: number;
  executionCount: number | null;
  reason: "error" | "timeout" | "died";
}

export interface RunResult {
  notebook: Notebook;
  cells: CellResult[];
  /** Code cells sent to the kernel, the failing one included. */
  cellsRun: number;
  seconds: number;
  failure?: CellFailure;
  /** Kernel processes started: 1 (0 on a reused kernel), and one more per restart (restartDeadKernel). */
  kernelStarts: number;
  /** The run began on a kernel an earlier run used, reset rather than started (RunOptions.kernelSlot). */
  kernelReused: boolean;
}

export interface RunOptions {
  /** The kernel's working directory (relative imports and files): the notebook's folder for files. */
  cwd: string;
  /** Interrupts a cell that runs longer than this (default: no limit); a function gives each cell its own (undefined: none). */
  cellTimeoutMs?: number | ((cell: CodeCell, cellIndex: number) => number | undefined);
  /** Overrides INTERRUPT_GRACE_MS. */
  interruptGraceMs?: number;
  /** Records errors and timeouts and goes on with the next cell (nbconvert's --allow-errors). */
  allowErrors?: boolean;
  /**
   * A kernel that died (a crash, a killed process, a timed-out cell killed) is replaced by a fresh one
   * before the next cell, which runs in its empty state, instead of the run stopping there.
   */
  restartDeadKernel?: boolean;
  /**
   * Runs on this slot's kernel, reset first, and leaves it open for the next run (the caller closes
   * the slot); by default the run starts a kernel of its own and closes it at the end.
   */
  kernelSlot?: KernelSlot;
  /**
   * Called before a code cell is sent, with the kernel that will run it (for silent requests of its
   * own); may change `cell.source` (the executed copy's); "skip" leaves it unrun.
   */
  beforeCell?(cell: CodeCell, cellIndex: number, kernel: KernelClient): void | "skip" | Promise<void | "skip">;
  /** Called after a code cell ran, its outputs stored in `cell`. */
  afterCell?(cell: CodeCell, cellIndex: number, result: CellResult): void | Promise<void>;
}

export const hasTag = (cell: Cell, tag: string): boolean =>
  Array.isArray(cell.metadata?.tags) && (cell.metadata.tags as unknown[]).includes(tag);

/** Outputs of cells not reached are cleared so the executed notebook never mixes runs; so is a stale failure mark. */
function resetCodeCells(nb: Notebook): Notebook {
  const metadata = { ...nb.metadata };
  const { failure: _stale, ...nnlab } = (metadata.nnlab ?? {}) as Record<string, unknown>;
  if (Object.keys(nnlab).length > 0) metadata.nnlab = nnlab as MetadataValue;
  else delete metadata.nnlab;
  return {
    ...nb, metadata,
    cells: nb.cells.map((c) => (c.cell_type === "code" ? { ...c, execution_count: null, outputs: [] } : { ...c })),
  };
}

interface Executed { reply?: Message; messages: Message[]; timedOut: boolean; died?: string }

const exited = (kernel: KernelClient): boolean => kernel.proc.exitCode !== null || kernel.proc.signalCode !== null;

const describeExit = (kernel: KernelClient): string =>
  kernel.proc.signalCode ? `was killed by ${kernel.proc.signalCode}` : `exited with code ${kernel.proc.exitCode}`;

/**
 * One kernel kept for a series of notebooks run in the same folder (a grading job's submissions):
 * the first run starts it, each later run resets it (KernelClient.reset: a fresh runner, the parsed
 * TypeScript program kept) instead of paying a new process's start. A kernel that exited, could not
 * reset or runs in another folder is replaced by a new process, and so is one that served
 * `maxRuns` notebooks: the kernel's memory grows by a few MB with each notebook (measured
 * 2026-12-02: ~1.4 MB for a two-cell notebook, ~3.8 MB with the grader's V8 options, which
 * collect old space later), and a new process bounds it.
 * Its owner closes it.
 */
export class KernelSlot {
  private kernel?: KernelClient;
  private cwd?: string;
  /** Notebooks the held kernel has served. */
  private runs = 0;
  /** Kernel processes started so far. */
  starts = 0;

  /**
   * `nodeOptions`: Node and V8 options for the kernel processes it starts (a grader's, see
   * GRADING_NODE_OPTIONS in kernel/assign/grade.ts).
   */
  constructor(private readonly maxRuns = 50, private readonly nodeOptions: readonly string[] = []) {}

  /** A kernel in `cwd` with nothing of earlier runs in it: this slot's, reset, or a new one. */
  async ready(cwd: string): Promise<KernelClient> {
    if (this.kernel && this.cwd === cwd && this.runs < this.maxRuns && !exited(this.kernel)) {
      try {
        await this.kernel.reset();
        this.runs++;
        return this.kernel;
      } catch {
        // A kernel that died or failed to reset is replaced below.
      }
    }
    return this.restart(cwd);
  }

  /** A new kernel process in `cwd`, after closing the one held. */
  async restart(cwd: string): Promise<KernelClient> {
    await this.close();
    this.kernel = await KernelClient.start(cwd, (file) => [process.execPath, ...this.nodeOptions, CLI, "kernel", file], "temp");
    this.cwd = cwd;
    this.runs = 1;
    this.starts++;
    return this.kernel;
  }

  /** Shuts the held kernel down, if any. */
  async close(): Promise<void> {
    const kernel = this.kernel;
    this.kernel = undefined;
    await kernel?.close();
  }
}

/** Runs one cell; past `timeoutMs` it is interrupted, and the kernel killed if it does not stop. */
async function executeCell(kernel: KernelClient, code: string, stopOnError: boolean, timeoutMs: number | undefined, graceMs: number): Promise<Executed> {
  let timedOut = false;
  let killed = false;
  const timers: NodeJS.Timeout[] = [];
  const id = await kernel.startExecute(code, { stop_on_error: stopOnError });
  // The kernel drops an interrupt that comes before it has taken the cell up, so ask again each second.
  // (Replies are not awaited: close() skips them.)
  const interrupt = (): void => { void kernel.send("control", "interrupt_request", {}).catch(() => undefined); };
  if (timeoutMs !== undefined) {
    timers.push(setTimeout(() => {
      timedOut = true;
      interrupt();
      timers.push(setInterval(interrupt, 1000));
      timers.push(setTimeout(() => { killed = true; kernel.proc.kill("SIGKILL"); }, graceMs));
    }, timeoutMs));
  }
  try {
    const reply = await kernel.whileAlive(kernel.shellReply(id));
    return { reply, messages: await kernel.whileAlive(kernel.outputsOf(id)), timedOut };
  } catch (e) {
    if (!(e instanceof KernelDiedError)) throw e;
    // iopub messages sent just before the exit may still be on their way.
    await kernel.waitIopub(() => false, 200);
    const died = killed
      ? `the cell ran past the ${timeoutMs} ms timeout and did not stop within ${graceMs} ms of the interrupt, so the kernel was killed`
      : `the kernel ${describeExit(kernel)} while the cell ran`;
    return { messages: kernel.iopubLog.filter((m) => m.parent_header.msg_id === id && m.header.msg_type !== "status"), timedOut, died };
  } finally {
    for (const t of timers) clearTimeout(t); // clears intervals too
  }
}

function cellError(executed: Executed, stderr: string, timeoutMs?: number): CellError | undefined {
  if (executed.died !== undefined) {
    const tail = stderr.trim().split("\n").slice(-10).filter((l) => l !== "");
    return { ename: "KernelDied", evalue: executed.died, traceback: [`KernelDied: ${executed.died}`, ...tail] };
  }
  const c = executed.reply!.content;
  if (c.status === "ok") return undefined;
  return {
    ename: String(c.ename), traceback: (c.traceback ?? []) as string[],
    evalue: executed.timedOut ? `the cell ran longer than the ${timeoutMs} ms cell timeout and was interrupted` : String(c.evalue),
  };
}

const statusOf = (executed: Executed, error?: CellError): CellResult["status"] =>
  executed.died !== undefined ? "died" : !error ? "ok" : executed.timedOut ? "timeout" : "error";

export async function runNotebook(source: Notebook, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const notebook = resetCodeCells(source);
  const collector = new OutputCollector();
  const slot = options.kernelSlot ?? new KernelSlot();
  const startsBefore = slot.starts;
  let kernel = await slot.ready(options.cwd);
  const kernelReused = slot.starts === startsBefore;
  const cells: CellResult[] = [];
  let failure: CellFailure | undefined;
  try {
    for (const [cellIndex, cell] of notebook.cells.entries()) {
      // Like nbclient: blank cells are not sent to the kernel.
      if (cell.cell_type !== "code" || cell.source.trim() === "") continue;
      if (options.restartDeadKernel && exited(kernel)) kernel = await slot.restart(options.cwd);
      if (await options.beforeCell?.(cell, cellIndex, kernel) === "skip") continue;
      const expected = hasTag(cell, "raises-exception");
      const cellStarted = performance.now();
      const timeoutMs = typeof options.cellTimeoutMs === "function" ? options.cellTimeoutMs(cell, cellIndex) : options.cellTimeoutMs;
      const executed = await executeCell(kernel, cell.source, !(expected || options.allowErrors), timeoutMs, options.interruptGraceMs ?? INTERRUPT_GRACE_MS);
      const error = cellError(executed, kernel.stderr, timeoutMs);
      cell.execution_count = executed.reply ? Number(executed.reply.content.execution_count) : null;
      cell.outputs = collector.cell(executed.messages);
      if (executed.died !== undefined) cell.outputs.push({ output_type: "error", ...error! });
      const result: CellResult = {
        cellIndex, executionCount: cell.execution_count, status: statusOf(executed, error), timedOut: executed.timedOut, error, expected,
        seconds: (performance.now() - cellStarted) / 1000,
      };
      cells.push(result);
      await options.afterCell?.(cell, cellIndex, result);
      if (error && (result.status === "died" && !options.restartDeadKernel || !(expected || options.allowErrors))) {
        failure = { cellIndex, executionCount: cell.execution_count, reason: result.status as CellFailure["reason"], ...error };
        break;
      }
    }
  } finally {
    if (!options.kernelSlot) await slot.close();
  }
  if (failure) {
    const mark = { cell: failure.cellIndex, reason: failure.reason, message: `${failure.ename}: ${failure.evalue}` };
    notebook.metadata.nnlab = { ...notebook.metadata.nnlab as object, failure: mark } as MetadataValue;
  }
  return { notebook, cells, cellsRun: cells.length, seconds: (performance.now() - started) / 1000, failure, kernelStarts: slot.starts - startsBefore, kernelReused };
}
