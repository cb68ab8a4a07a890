/**
 * The language side of the kernel, apart from the protocol (ipykernel's do_execute, do_complete,
 * do_inspect, do_is_complete): plain requests in, plain outcomes out, no sockets or message types.
 * A cell goes help syntax → type check and compile (checker worker) → run (runner worker) → commit
 * its declarations for later cells. The two workers keep the kernel's main thread free to answer
 * heartbeats, interrupts and shutdowns at once.
 */
import * as path from "node:path";
import type { DisplayMetadata, MimeBundle } from "../lib/display/protocol";
import { setCollectorFlags } from "../lib/tensor/collector-flags";
import type { CheckerHandlers, CompileResult } from "./checker";
import { KernelRestarted, NnlabError } from "./errors";
import { Poker } from "./poke";
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
  /** The request's header.date: interrupts sent before it are not for this cell. */
  sentAt?: string;
}

/** `page`: the cell was `name?` (IPython's help syntax), answered with the docs of `name`. */
export type CellOutcome =
  | { status: "ok"; result?: { data: MimeBundle; metadata: DisplayMetadata }; page?: MimeBundle }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface LanguageEvents {
  /** Output of a running cell (stream, display, update, clear, input), tagged with its request id. */
  onOutput(e: WorkerEvent): void;
  /** The workers ended (`reason`); fresh ones start now, or with the next request if these never started. Variables are gone. */
  onRestart(reason: string): void;
  /** Loading the library or type-checking the prelude failed: cells run without the prelude's names. */
  onPreloadFailed(e: Error): void;
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

/** The runner's V8 heap limit in MB (NNLAB_RUNNER_HEAP_MB, default 2048): a cell past it restarts the runner. */
export function runnerHeapMb(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.NNLAB_RUNNER_HEAP_MB ?? 2048);
  if (!Number.isFinite(mb) || mb < 16) throw new NnlabError(`NNLAB_RUNNER_HEAP_MB=${env.NNLAB_RUNNER_HEAP_MB} is not a heap size in MB: use a number of at least 16`);
  return mb;
}

/**
 * The checker's young generation, in MB. V8's default lets it grow to ~48 MB while TypeScript parses
 * the declarations, and the kernel then holds those pages for its whole life; the checker's
 * objects (syntax trees, symbols) live long, so a small young generation costs it no time.
 * Measured: idle checker RSS 215 MB with the default, 192 MB with 8, no slower start.
 */
const CHECKER_YOUNG_GENERATION_MB = 8;

/** How long a cell may ignore a second interrupt before the runner is ended and restarted. */
export const INTERRUPT_GRACE_MS = 3000;

/** Microseconds since the epoch of an ISO date (Jupyter dates carry microseconds); undefined if it is none. */
function isoMicros(date: unknown): number | undefined {
  if (typeof date !== "string") return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(date);
  const ms = m ? Date.parse(m[1] + (m[3] || "Z")) : NaN;
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number((m![2] ?? "").padEnd(6, "0").slice(0, 6));
}

/**
 * Whether an interrupt sent at `interruptAt` is meant for a cell requested at `cellAt`. Shell and
 * control are separate sockets, so an interrupt sent after one cell ended can arrive after the next
 * cell started; it is for that cell only if the client sent it later (ties go to the earlier cell).
 * Undated interrupts (SIGINT) apply to whatever runs.
 */
export function interruptApplies(interruptAt: unknown, cellAt: unknown): boolean {
  const i = isoMicros(interruptAt);
  const c = isoMicros(cellAt);
  return i === undefined || c === undefined || i > c;
}

/**
 * One generation of the two workers; a restart replaces both, so types and values start afresh
 * together. reset() replaces only the runner and keeps the checker's parsed program.
 */
class Workers {
  /** Replaced by reset(); the exits and outputs of a replaced runner are ignored. */
  runner: WorkerClient<RunnerHandlers>;
  readonly checker: WorkerClient<CheckerHandlers>;
  /** Settles once the library is loaded and the prelude type-checked (again after each reset). */
  ready: Promise<void>;
  /** Why this generation ended (set before its pending calls fail). */
  endReason?: string;
  /** Whether the library loaded: a generation that ended before is not replaced at once (no restart loop). */
  started = false;
  /** The prelude the checker last type-checked, and its declarations. */
  private prelude?: { source: string; declOutput: string };

  constructor(private readonly data: RunnerData, private readonly onOutput: (e: WorkerEvent) => void, private readonly onEnd: (w: Workers) => void) {
    this.runner = this.startRunner();
    this.checker = new WorkerClient(path.join(__dirname, "checker.js"), () => undefined, { resourceLimits: { maxYoungGenerationSizeMb: CHECKER_YOUNG_GENERATION_MB } });
    this.checker.worker.on("exit", (code) => { this.end(`the type checker exited with code ${code}`); onEnd(this); });
    this.ready = this.preload();
    this.ready.then(() => { this.started = true; }, () => undefined);
  }

  /** A runner worker whose exit (unless reset() replaced it) ends this generation. */
  private startRunner(): WorkerClient<RunnerHandlers> {
    const heapMb = runnerHeapMb();
    let announced: string | undefined;
    let outOfMemory = false;
    const runner: WorkerClient<RunnerHandlers> = new WorkerClient(path.join(__dirname, "runner.js"), (e) => {
      if (runner !== this.runner) return;
      if (e.event === "exiting") announced = String(e.reason);
      else this.onOutput(e);
    }, { workerData: this.data, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    runner.worker.on("error", (e: Error & { code?: string }) => { outOfMemory ||= e.code === "ERR_WORKER_OUT_OF_MEMORY"; });
    runner.worker.on("exit", (code) => {
      if (runner !== this.runner) return;
      this.end(outOfMemory ? `the cell ran out of memory (the runner's heap limit is ${heapMb} MB; NNLAB_RUNNER_HEAP_MB sets it)`
        : announced ?? `the runner exited with code ${code}`);
      this.onEnd(this);
    });
    return runner;
  }

  /**
   * Loads the library in the runner while the checker forgets earlier cells, then type-checks the
   * prelude; after a reset, a prelude the same as the one checked before is committed again without
   * a check (its declarations depend only on its text and the library's, which a cell cannot change).
   */
  private async preload(): Promise<void> {
    const [bindings] = await Promise.all([this.runner.call("init"), this.checker.call("commit", "")]);
    const source = preludeSource(bindings);
    if (this.prelude?.source !== source) {
      const result = await this.checker.call("compile", source);
      if (!result.ok) throw new NnlabError(`the prelude does not type-check: ${result.diagnostics.map((d) => d.messageText).join("; ")}`);
      this.prelude = { source, declOutput: result.compiled!.declOutput };
    }
    await this.checker.call("commit", this.prelude.declOutput);
  }

  /**
   * Ends the runner and starts a fresh one (a new V8 isolate: no variable, global, timer or module of
   * the old one survives), clears the checker's declarations and checks the prelude again. The
   * checker worker, the costly part of a start (TypeScript and the library's parsed declarations),
   * is kept. Resolves once the fresh runner is ready.
   */
  async reset(): Promise<void> {
    const old = this.runner;
    this.runner = this.startRunner();
    this.ready = this.preload();
    await old.worker.terminate();
    await this.ready;
  }

  /** Ends both workers (the first reason given is the one reported). */
  end(reason: string): Promise<unknown> {
    this.endReason ??= reason;
    return Promise.all([this.runner.worker.terminate(), this.checker.worker.terminate()]);
  }
}

/** The cell in progress: its request, its date, the interrupts it got. */
interface Running {
  req: CellRequest;
  /** Set while the runner executes it (before that, an interrupt stops it before it starts). */
  inRunner: boolean;
  interrupted: boolean;
  interrupts: number;
  escalation?: NodeJS.Timeout;
}

/**
 * The runner sends each write to stdout/stderr at once (a blocking loop never lets a timer fire in
 * its thread, so a buffer there would hold the last line until the next print); here, on the free
 * main thread, consecutive writes of one stream go out as one message per `ms` at most. Any other
 * output flushes the pending text first, so the order of outputs is kept.
 */
export class StreamMerger {
  private pending?: WorkerEvent;
  private timer?: NodeJS.Timeout;

  constructor(private readonly send: (e: WorkerEvent) => void, private readonly ms = 50) {}

  push(e: WorkerEvent): void {
    if (e.event !== "stream") {
      this.flush();
      return this.send(e);
    }
    if (this.pending && (this.pending.id !== e.id || this.pending.name !== e.name)) this.flush();
    if (this.pending) {
      this.pending = { ...this.pending, text: String(this.pending.text) + String(e.text) };
      return;
    }
    this.pending = e;
    this.timer = setTimeout(() => this.flush(), this.ms);
  }

  /** Sends the pending text now (before a cell's reply, so its output comes first). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.send(pending);
  }
}

export class Language {
  /** The current generation; undefined after one that never started ended (the next request starts one). */
  private generation?: Workers;
  private readonly output = new StreamMerger((e) => this.events.onOutput(e));
  /** Shared with the runner: Int32[0] is the request id to stop (see runner.ts). */
  private readonly interruptFlag = new Int32Array(new SharedArrayBuffer(4));
  /** Shared with the runner: the answer to its input request (see RunnerData). */
  private readonly stdinBuffer = new SharedArrayBuffer(8 + (1 << 20));
  private readonly stdinState = new Int32Array(this.stdinBuffer, 0, 2);
  /** Pokes the runner on an interrupt, so that its loops need not read the shared flag (poke.ts). */
  private readonly poker = Poker.start();
  private running?: Running;
  private closed = false;

  constructor(private readonly events: LanguageEvents) {
    // Before any worker starts: the runner's library sets them when it loads, and the checker's
    // code cache is made and read under the flags of the moment.
    setCollectorFlags();
    this.generation = this.start();
  }

  private get workers(): Workers {
    return this.generation ??= this.start();
  }

  /** A fresh generation of workers; when it ends unasked (exit, OOM, restart) the next one starts. */
  private start(): Workers {
    const data: RunnerData = { interrupt: this.interruptFlag.buffer as SharedArrayBuffer, stdin: this.stdinBuffer, poked: this.poker !== undefined };
    const workers = new Workers(data, (e) => this.output.push(e), (w) => this.replace(w));
    workers.ready.catch((e: Error) => { if (!workers.endReason) this.events.onPreloadFailed(e); });
    return workers;
  }

  /** A generation ended unasked: the next one starts now, or with the next request if it never started. */
  private replace(ended: Workers): void {
    if (this.closed || ended !== this.generation) return;
    void ended.end(ended.endReason!);
    this.output.flush();
    Atomics.store(this.interruptFlag, 0, 0);
    this.events.onRestart(ended.endReason!);
    this.generation = ended.started ? this.start() : undefined;
  }

  /** Runs one cell (do_execute). A cell that did not compile runs nothing and commits nothing. */
  async execute(req: CellRequest): Promise<CellOutcome> {
    const running: Running = { req, inRunner: false, interrupted: false, interrupts: 0 };
    this.running = running;
    const w = this.workers;
    try {
      await w.ready.catch(() => undefined);
      const help = HELP.exec(req.code);
      if (help) return { status: "ok", page: await this.page(w, help[1]) };
      const compiled = await w.checker.call("compile", req.code);
      if (running.interrupted) {
        const why = "the kernel was interrupted before the cell started";
        return { status: "error", ename: "KeyboardInterrupt", evalue: why, traceback: [`KeyboardInterrupt: ${why}`] };
      }
      if (!compiled.ok || !compiled.compiled) {
        const traceback = diagnosticTraceback(req.label, req.code, compiled);
        return { status: "error", ename: "TypeScriptError", evalue: compiled.diagnostics[0]?.messageText ?? "compile error", traceback };
      }
      const c = compiled.compiled;
      running.inRunner = true;
      const outcome = await w.runner.call("execute", {
        id: req.id, label: req.label, source: req.code, code: c.code, maps: c.maps, lastExpressionVar: c.lastExpressionVar,
        hasToplevelAwait: c.hasToplevelAwait, sideOutputs: c.sideOutputs, allowStdin: req.allowStdin,
      });
      running.inRunner = false;
      // Declarations reached before an error or interrupt exist at run time: later cells may use them.
      // The checker handles its messages in order, so the next compile sees them without this
      // reply waiting on the commit's; a checker that died ends the generation (its exit handler).
      w.checker.call("commit", c.declOutput).catch(() => undefined);
      return outcome;
    } catch (e) {
      if (w.endReason === undefined) throw e;
      const error = new KernelRestarted(w.endReason);
      return { status: "error", ename: error.name, evalue: error.message, traceback: [`${error.name}: ${error.message}`] };
    } finally {
      this.output.flush();
      clearTimeout(running.escalation);
      if (this.running === running) this.running = undefined;
    }
  }

  /** The type and docs of `name`, as inspect_request shows them. */
  private async page(w: Workers, name: string): Promise<MimeBundle> {
    const info = await w.checker.call("inspect", name, [...name].length);
    return info.found ? info.data : { "text/plain": `${name}: nothing known about this name` };
  }

  async complete(code: string, cursorPos: number) {
    const w = this.workers;
    await w.ready.catch(() => undefined);
    return w.checker.call("complete", code, cursorPos);
  }

  async inspect(code: string, cursorPos: number) {
    const w = this.workers;
    await w.ready.catch(() => undefined);
    return w.checker.call("inspect", code, cursorPos);
  }

  async isComplete(code: string) {
    const w = this.workers;
    await w.ready.catch(() => undefined);
    return w.checker.call("isComplete", code);
  }

  /**
   * Stops the running cell if the interrupt (sent at `sentAt`, if known) is meant for it: loops stop
   * at their next iteration, library ops at their next dispatch, awaits and input() at once. A cell
   * that ignores a second interrupt for INTERRUPT_GRACE_MS (code the rewriting cannot reach, such as
   * `eval("while (true) {}")`) ends the runner, and a fresh one takes its place.
   */
  interrupt(sentAt?: string): void {
    const running = this.running;
    if (!running || !interruptApplies(sentAt, running.req.sentAt)) return;
    running.interrupted = true;
    if (!running.inRunner) return;
    Atomics.store(this.interruptFlag, 0, running.req.id);
    if (Atomics.load(this.stdinState, 0) === 0) this.answerInput(2);
    const w = this.workers;
    this.poker?.poke(w.runner.worker);
    w.runner.call("interrupt").catch(() => undefined);
    if (++running.interrupts === 2) {
      running.escalation = setTimeout(() => {
        if (this.running === running && running.inRunner) void w.end("the cell did not stop after two interrupts");
      }, INTERRUPT_GRACE_MS);
    }
  }

  /**
   * Makes the kernel as if just started, for the next notebook (a grader's next submission): a fresh
   * runner, no declarations but the prelude's (Workers.reset). A generation that ended or never
   * started is replaced by a fresh one instead. Resolves once cells can run; rejects if the prelude
   * fails to load.
   */
  async reset(): Promise<void> {
    const w = this.workers;
    await w.ready.catch(() => undefined);
    this.output.flush();
    Atomics.store(this.interruptFlag, 0, 0);
    if (w === this.generation && w.started && w.endReason === undefined) return w.reset();
    if (w === this.generation) {
      void w.end("the kernel was reset");
      this.generation = this.start();
    }
    return this.workers.ready;
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
    this.poker?.close();
    await this.generation?.end("the kernel shut down");
  }
}
