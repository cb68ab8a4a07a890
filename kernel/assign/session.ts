/**
 * Runs every code cell of a notebook for grading: `torch.manualSeed(seed)` before each cell (a
 * silent request, so it adds no output and no execution count), errors do not stop the run, a cell
 * past the timeout is interrupted (and its kernel replaced if the interrupt is not obeyed), and a
 * kernel that dies (process.exit(), a crash) is restarted for the next cell.
 */
import { KernelDiedError } from "../errors";
import { KernelClient, type Execution } from "../notebook/client";
import type { CodeCell, Notebook, Output } from "../notebook/nbformat";
import { OutputCollector } from "../notebook/outputs";

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
}

export interface SessionResult {
  /** The notebook with outputs and execution counts, as it ran. */
  notebook: Notebook;
  runs: CellRun[];
  kernelStarts: number;
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

/** One cell: a timer interrupts it, and kills the kernel if the interrupt is not obeyed. */
async function executeWithTimeout(kernel: KernelClient, code: string, timeoutMs: number): Promise<Execution & { timedOut: boolean }> {
  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    void kernel.request("control", "interrupt_request", {}).catch(() => undefined);
    killer = setTimeout(() => kernel.proc.kill("SIGKILL"), INTERRUPT_GRACE_MS);
  }, timeoutMs);
  try {
    const execution = await kernel.whileAlive(kernel.execute(code, { stop_on_error: false }));
    return { ...execution, timedOut };
  } catch (e) {
    if (timedOut && e instanceof KernelDiedError) return { reply: kernel.message("execute_reply", { status: "error" }), outputs: [], timedOut };
    throw e;
  } finally {
    clearTimeout(timer);
    clearTimeout(killer);
  }
}

function statusOf(execution: Execution & { timedOut: boolean }, timeoutMs: number): Pick<CellRun, "status" | "message"> {
  if (execution.timedOut) return { status: "timeout", message: `the cell ran longer than the ${timeoutMs / 1000} s timeout and was stopped` };
  const c = execution.reply.content;
  return c.status === "ok" ? { status: "ok" } : { status: "error", message: `${String(c.ename)}: ${String(c.evalue)}` };
}

export async function runForGrading(source: Notebook, options: SessionOptions): Promise<SessionResult> {
  const notebook: Notebook = { ...source, cells: source.cells.map((c) => (c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : c)) };
  const collector = new OutputCollector();
  const runs: CellRun[] = [];
  const start = () => KernelClient.start(options.cwd, undefined, "temp");
  let kernel = await start();
  let kernelStarts = 1;
  try {
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code" || cell.source.trim() === "") continue;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        if (kernel.proc.exitCode !== null || kernel.proc.signalCode !== null) {
          await kernel.close();
          kernel = await start();
          kernelStarts++;
        }
        await kernel.whileAlive(kernel.execute(`torch.manualSeed(${options.seed});`, { silent: true, store_history: false }));
        const execution = await executeWithTimeout(kernel, cell.source, options.timeoutMs);
        const count = execution.reply.content.execution_count;
        (cell as CodeCell).execution_count = typeof count === "number" ? count : null;
        (cell as CodeCell).outputs = capOutputs(collector.cell(execution.outputs), options.maxOutputChars);
        runs.push({ index, ...statusOf(execution, options.timeoutMs), seconds: seconds() });
      } catch (e) {
        if (!(e instanceof KernelDiedError)) throw e;
        const died = /exited \(([^)]*)\)/.exec(e.message)?.[1] ?? "unknown";
        runs.push({ index, status: "crashed", message: `the kernel died while running this cell (${died}); it was restarted for the next cell`, seconds: seconds() });
      }
    }
  } finally {
    await kernel.close();
  }
  return { notebook, runs, kernelStarts };
}
