/**
 * The language side of the kernel, apart from the protocol (ipykernel's do_execute, do_complete,
 * do_inspect, do_is_complete): plain requests in, plain outcomes out, no sockets or message types.
 * A cell goes help syntax → type check and compile (checker worker) → run (runner worker) → commit
 * its declarations for later cells. The two workers keep the kernel's main thread free to answer
 * heartbeats, interrupts and shutdowns at once.
 */
import * as path from "node:path";
import type { DisplayMetadata, MimeBundle } from "../lib/display/protocol";
import type { CheckerHandlers, CompileResult } from "./checker";
import { NnlabError } from "./errors";
import { preludeSource } from "./prelude";
import { WorkerClient, type WorkerEvent } from "./rpc";
import type { RunnerData, RunnerHandlers } from "./runner";

/** What an execute_request asks of the language. */
export interface CellRequest {
  /** Tags the cell's outputs (stream, display, input) so the protocol finds their request. */
  id: number;
  code: string;
  /** What tracebacks and diagnostics call the cell: `In[3]`. */
  label: string;
  allowStdin: boolean;
}

/** `page`: the cell was `name?` (IPython's help syntax), answered with the docs of `name`. */
export type CellOutcome =
  | { status: "ok"; result?: { data: MimeBundle; metadata: DisplayMetadata }; page?: MimeBundle }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface LanguageEvents {
  /** Output of a running cell (stream, display, update, clear, input), tagged with its request id. */
  onOutput(e: WorkerEvent): void;
  /** A worker ended while the kernel was open: nothing can run any more. */
  onWorkerExit(code: number): void;
}

/** Diagnostics as a traceback: position, code, the cell line and a caret under the error. */
export function diagnosticTraceback(label: string, source: string, result: CompileResult): string[] {
  const lines = source.split("\n");
  return result.diagnostics.flatMap((d) => {
    const where = d.fileName ? `${d.fileName}:${d.start.line + 1}:${d.start.character + 1}` : `${label}:${d.start.line + 1}:${d.start.character + 1}`;
    const head = `${where} - error ${d.code ? `TS${d.code}` : "nnlab"}: ${d.messageText}`;
    if (d.fileName) return [head];
    return [head, `    ${lines[d.start.line] ?? ""}`, `    ${" ".repeat(d.start.character)}^`];
  });
}

const HELP = /^\s*([\w$.]+)\?\s*$/;

export class Language {
  private readonly checker: WorkerClient<CheckerHandlers>;
  private readonly runner: WorkerClient<RunnerHandlers>;
  /** Shared with the runner: Int32[0] is the request id to stop (see runner.ts). */
  private readonly interruptFlag = new Int32Array(new SharedArrayBuffer(4));
  /** Shared with the runner: the answer to its input request (see RunnerData). */
  private readonly stdinBuffer = new SharedArrayBuffer(8 + (1 << 20));
  private readonly stdinState = new Int32Array(this.stdinBuffer, 0, 2);
  /** Settles once the library is loaded and the prelude type-checked. */
  readonly ready: Promise<void>;
  /** The cell in progress (0: none) and whether an interrupt came before it reached the runner. */
  private runningId = 0;
  private interruptedEarly = false;
  private runnerBusy = false;
  private closed = false;

  constructor(events: LanguageEvents) {
    this.runner = new WorkerClient(path.join(__dirname, "runner.js"), (e) => events.onOutput(e), {
      workerData: { interrupt: this.interruptFlag.buffer as SharedArrayBuffer, stdin: this.stdinBuffer } satisfies RunnerData,
    });
    this.checker = new WorkerClient(path.join(__dirname, "checker.js"), () => undefined);
    for (const w of [this.runner, this.checker]) {
      w.worker.on("exit", (code) => { if (!this.closed) events.onWorkerExit(code); });
    }
    this.ready = this.preload();
  }

  /** Loads the library in the runner while the checker loads TypeScript, then type-checks the prelude. */
  private async preload(): Promise<void> {
    const bindings = await this.runner.call("init");
    const result = await this.checker.call("compile", preludeSource(bindings));
    if (!result.ok) throw new NnlabError(`the prelude does not type-check: ${result.diagnostics.map((d) => d.messageText).join("; ")}`);
    await this.checker.call("commit", result.compiled!.declOutput);
  }

  /** Runs one cell (do_execute). A cell that did not compile runs nothing and commits nothing. */
  async execute(req: CellRequest): Promise<CellOutcome> {
    this.runningId = req.id;
    this.interruptedEarly = false;
    try {
      await this.ready.catch(() => undefined);
      const help = HELP.exec(req.code);
      if (help) return { status: "ok", page: await this.page(help[1]) };
      const compiled = await this.checker.call("compile", req.code);
      if (this.interruptedEarly) {
        const why = "the kernel was interrupted before the cell started";
        return { status: "error", ename: "KeyboardInterrupt", evalue: why, traceback: [`KeyboardInterrupt: ${why}`] };
      }
      if (!compiled.ok || !compiled.compiled) {
        const traceback = diagnosticTraceback(req.label, req.code, compiled);
        return { status: "error", ename: "TypeScriptError", evalue: compiled.diagnostics[0]?.messageText ?? "compile error", traceback };
      }
      const c = compiled.compiled;
      this.runnerBusy = true;
      const outcome = await this.runner.call("execute", {
        id: req.id, label: req.label, source: req.code, code: c.code, maps: c.maps, lastExpressionVar: c.lastExpressionVar,
        hasToplevelAwait: c.hasToplevelAwait, sideOutputs: c.sideOutputs, allowStdin: req.allowStdin,
      });
      this.runnerBusy = false;
      // Declarations reached before an error or interrupt exist at run time: later cells may use them.
      await this.checker.call("commit", c.declOutput);
      return outcome;
    } finally {
      this.runningId = 0;
    }
  }

  /** The type and docs of `name`, as inspect_request shows them. */
  private async page(name: string): Promise<MimeBundle> {
    const info = await this.checker.call("inspect", name, [...name].length);
    return info.found ? info.data : { "text/plain": `${name}: nothing known about this name` };
  }

  async complete(code: string, cursorPos: number) {
    await this.ready.catch(() => undefined);
    return this.checker.call("complete", code, cursorPos);
  }

  async inspect(code: string, cursorPos: number) {
    await this.ready.catch(() => undefined);
    return this.checker.call("inspect", code, cursorPos);
  }

  async isComplete(code: string) {
    await this.ready.catch(() => undefined);
    return this.checker.call("isComplete", code);
  }

  /** Stops the running cell: loops stop at their next iteration, awaits and input() at once. */
  interrupt(): void {
    if (this.runningId === 0) return;
    if (!this.runnerBusy) {
      this.interruptedEarly = true;
      return;
    }
    Atomics.store(this.interruptFlag, 0, this.runningId);
    if (Atomics.load(this.stdinState, 0) === 0) this.answerInput(2);
    this.runner.call("interrupt").catch(() => undefined);
  }

  /** Answers the runner's input request: 1 with the typed text, 2 when it was refused or interrupted. */
  answerInput(state: 1 | 2, text = ""): void {
    const bytes = Buffer.from(text);
    new Uint8Array(this.stdinBuffer, 8).set(bytes.subarray(0, this.stdinBuffer.byteLength - 8));
    Atomics.store(this.stdinState, 1, Math.min(bytes.length, this.stdinBuffer.byteLength - 8));
    Atomics.store(this.stdinState, 0, state);
    Atomics.notify(this.stdinState, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.runner.worker.terminate(), this.checker.worker.terminate()]);
  }
}
