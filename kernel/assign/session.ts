/**
 * Runs every code cell of a notebook for grading, through the notebook executor (runNotebook):
 * `torch.manualSeed(seed)` before each cell (a silent request, so it adds no output and no execution
 * count), errors do not stop the run, a cell past the timeout is interrupted (and its kernel killed
 * if the interrupt is not obeyed), a kernel that dies (a crash, a killed process) is restarted for
 * the next cell, and stream output is cut. Each cell's result is put in grading's terms. Given a
 * KernelSlot, it runs on that kernel after a reset instead of starting a process.
 */
import { KernelDiedError } from "../errors";
import type { KernelClient } from "../notebook/client";
import { runNotebook, type CellResult, type KernelSlot } from "../notebook/execute";
import type { Notebook, Output } from "../notebook/nbformat";

export type CellStatus = "ok" | "error" | "timeout" | "crashed";

export interface CellRun {
  /** Index in `notebook.cells`. */
  index: number;
  status: CellStatus;
  /** The error's name and message, or why the cell was stopped. */
  message?: string;
  seconds: number;
}

export interface SessionOptions {
  /** The kernel's working directory. */
  cwd: string;
  timeoutMs: number;
  seed: number;
  /** Stream text kept per cell; the rest is cut (a student's endless printing must not fill the reports). */
  maxOutputChars: number;
  /** Runs on this slot's kernel, reset first (a grading job's kernel, kept across its submissions); by default a kernel of its own. */
  kernelSlot?: KernelSlot;
}

export interface SessionResult {
  /** The notebook with outputs and execution counts, as it ran. */
  notebook: Notebook;
  runs: CellRun[];
  /** Kernel processes started for this notebook: 0 on a reused kernel that did not die. */
  kernelStarts: number;
  /** It began on a kernel reset after an earlier notebook, not a new process. */
  kernelReused: boolean;
}

/** How long an interrupted cell may take to stop before its kernel is killed. */
const INTERRUPT_GRACE_MS = 5000;

/** Keeps at most `max` characters of stream text; the cut is said in the output. */
export function capOutputs(outputs: Output[], max: number): Output[] {
  let left = max;
  return outputs.map((o) => {
    if (o.output_type !== "stream") return o;
    if (o.text.length <= left) {
      left -= o.text.length;
      return o;
    }
    const kept = o.text.slice(0, Math.max(0, left));
    left = 0;
    return { ...o, text: `${kept}\n[output cut by the grader: ${o.text.length - kept.length} more characters]\n` };
  });
}

/** Seeds the kernel's generator without output; a kernel that has just died is found dead by the cell itself. */
async function seedKernel(kernel: KernelClient, seed: number): Promise<void> {
  try {
    await kernel.whileAlive(kernel.execute(`torch.manualSeed(${seed});`, { silent: true, store_history: false }));
  } catch (e) {
    if (!(e instanceof KernelDiedError)) throw e;
  }
}

function cellRun(cell: CellResult, timeoutMs: number): CellRun {
  const run = { index: cell.cellIndex, seconds: cell.seconds };
  if (cell.timedOut) return { ...run, status: "timeout", message: `the cell ran longer than the ${timeoutMs / 1000} s timeout and was stopped` };
  if (cell.status === "died") return { ...run, status: "crashed", message: `${cell.error!.evalue}; it was restarted for the next cell` };
  if (cell.error) return { ...run, status: "error", message: `${cell.error.ename}: ${cell.error.evalue}` };
  return { ...run, status: "ok" };
}

export async function runForGrading(source: Notebook, options: SessionOptions): Promise<SessionResult> {
  const run = await runNotebook(source, {
    cwd: options.cwd, cellTimeoutMs: options.timeoutMs, interruptGraceMs: INTERRUPT_GRACE_MS, allowErrors: true, restartDeadKernel: true, kernelSlot: options.kernelSlot,
    beforeCell: (_cell, _index, kernel) => seedKernel(kernel, options.seed),
    afterCell: (cell) => { cell.outputs = capOutputs(cell.outputs, options.maxOutputChars); },
  });
  return { notebook: run.notebook, runs: run.cells.map((c) => cellRun(c, options.timeoutMs)), kernelStarts: run.kernelStarts, kernelReused: run.kernelReused };
}
