/**
 * The kernel process: ZeroMQ sockets and a table from msg_type to handler. The slow parts run in
 * two workers — the checker (TypeScript) and the runner (the notebook's variables) — so this thread
 * always answers heartbeats, kernel_info, interrupts and shutdowns at once.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import type { CompileResult } from "./checker";
import { History } from "./history";
import { preludeSource, type PreludeBinding } from "./prelude";
import { WorkerClient, type WorkerEvent } from "./rpc";
import type { ExecuteOutcome, ExecuteRequest, RunnerData } from "./runner";
import { address, decode, encode, replyTo, type ConnectionInfo, type Content, type Message } from "./wire";

export const IMPLEMENTATION = "nnlab";
export const TYPESCRIPT_VERSION = (require("@tslab/typescript-for-tslab/package.json") as { version: string }).version;

export function kernelInfo(): Content {
  return {
    status: "ok",
    protocol_version: "5.3",
    implementation: IMPLEMENTATION,
    implementation_version: (require("../../package.json") as { version: string }).version,
    language_info: {
      name: "typescript",
      version: TYPESCRIPT_VERSION,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      // JupyterLab reads `mode`; the classic notebook's CodeMirror 5 reads name + typescript.
      codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
    },
    banner: `nnlab: TypeScript ${TYPESCRIPT_VERSION} with torch, nn, F, optim preloaded`,
  };
}

type Channel = "shell" | "control";
type Handler = (msg: Message, channel: Channel) => Promise<void> | void;

interface CellParent { msg: Message; channel: Channel }

/** Diagnostics as a traceback: position, code, the cell line and a caret under the error. */
export function diagnosticTraceback(label: string, source: string, result: CompileResult): string[] {
  const lines = source.split("\n");
  return result.diagnostics.flatMap((d) => {
    const where = d.fileName ? `${d.fileName}:${d.start.line + 1}:${d.start.character + 1}` : `${label}:${d.start.line + 1}:${d.start.character + 1}`;
    const head = `${where} - error TS${d.code}: ${d.messageText}`;
    if (d.fileName) return [head];
    return [head, `    ${lines[d.start.line] ?? ""}`, `    ${" ".repeat(d.start.character)}^`];
  });
}

export class Kernel {
  private readonly session = randomUUID();
  private readonly iopub = new zmq.Publisher();
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly hb = new zmq.Reply();
  private readonly checker: WorkerClient;
  private readonly runner: WorkerClient;
  private readonly interruptFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly stdinBuffer = new SharedArrayBuffer(8 + (1 << 20));
  private readonly stdinState = new Int32Array(this.stdinBuffer, 0, 2);
  private readonly ready: Promise<void>;
  private readonly history = new History();
  private readonly parents = new Map<number, CellParent>();
  private executionCount = 0;
  /** Execution ids; each execute request gets one (silent ones too), so outputs find their parent. */
  private nextRunId = 1;
  /** The execute request in progress (0: none) and whether an interrupt came before it reached the runner. */
  private runningId = 0;
  private interruptedEarly = false;
  private runnerBusy = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private aborting = false;
  private closed = false;

  private readonly handlers: Record<string, Handler> = {
    kernel_info_request: (msg, ch) => this.reply(msg, ch, "kernel_info_reply", kernelInfo()),
    execute_request: (msg, ch) => this.enqueueExecute(msg, ch),
    complete_request: async (msg, ch) => this.reply(msg, ch, "complete_reply", await this.checkerCall("complete", msg.content.code, msg.content.cursor_pos)),
    inspect_request: async (msg, ch) => this.reply(msg, ch, "inspect_reply", await this.checkerCall("inspect", msg.content.code, msg.content.cursor_pos)),
    is_complete_request: async (msg, ch) => this.reply(msg, ch, "is_complete_reply", await this.checkerCall("isComplete", msg.content.code)),
    history_request: (msg, ch) => this.reply(msg, ch, "history_reply", { status: "ok", history: this.history.query(msg.content) }),
    comm_info_request: (msg, ch) => this.reply(msg, ch, "comm_info_reply", { status: "ok", comms: {} }),
    // No comm targets are registered: refuse the comm the way ipykernel does, by closing it.
    comm_open: (msg) => this.publish(msg, "comm_close", { comm_id: msg.content.comm_id, data: {} }),
    comm_msg: () => undefined,
    comm_close: () => undefined,
    interrupt_request: (msg, ch) => { this.interrupt(); this.reply(msg, ch, "interrupt_reply", { status: "ok" }); },
    shutdown_request: (msg, ch) => this.shutdown(msg, ch),
  };

  constructor(private readonly conn: ConnectionInfo) {
    const onEvent = (e: WorkerEvent) => this.onRunnerEvent(e);
    this.runner = new WorkerClient(path.join(__dirname, "runner.js"), onEvent, {
      workerData: { interrupt: this.interruptFlag.buffer as SharedArrayBuffer, stdin: this.stdinBuffer } satisfies RunnerData,
    });
    this.checker = new WorkerClient(path.join(__dirname, "checker.js"), () => undefined);
    for (const w of [this.runner, this.checker]) {
      w.worker.on("exit", (code) => { if (!this.closed) this.die(`a kernel worker exited with code ${code}`); });
    }
    this.ready = this.preload();
    this.ready.catch((e: Error) => log(`preloading the library failed: ${e.stack ?? e.message}`));
  }

  async start(): Promise<void> {
    const c = this.conn;
    await Promise.all([
      this.iopub.bind(address(c, c.iopub_port)),
      this.shell.bind(address(c, c.shell_port)),
      this.control.bind(address(c, c.control_port)),
      this.stdin.bind(address(c, c.stdin_port)),
      this.hb.bind(address(c, c.hb_port)),
    ]);
    void this.serve(this.shell, "shell");
    void this.serve(this.control, "control");
    void this.serveStdin();
    void this.serveHeartbeat();
    this.publish(undefined, "status", { execution_state: "starting" });
  }

  /** Loads the library in the runner while the checker loads TypeScript, then type-checks the prelude. */
  private async preload(): Promise<void> {
    const bindings = await this.runner.call<PreludeBinding[]>("init");
    const result = await this.checker.call<CompileResult>("compile", preludeSource(bindings));
    if (!result.ok) throw new Error(`the prelude does not type-check: ${result.diagnostics.map((d) => d.messageText).join("; ")}`);
    await this.checker.call("commit", result.compiled!.declOutput);
  }

  private async checkerCall(method: string, ...args: unknown[]): Promise<Content> {
    await this.ready.catch(() => undefined);
    return this.checker.call<Content>(method, ...args);
  }

  private async serve(socket: zmq.Router, channel: Channel): Promise<void> {
    for await (const frames of socket) {
      let msg: Message;
      try {
        msg = decode(this.conn.key, frames);
      } catch (e) {
        log(`dropped a ${channel} message: ${(e as Error).message}`);
        continue;
      }
      void this.handle(msg, channel);
    }
  }

  private async handle(msg: Message, channel: Channel): Promise<void> {
    const handler = this.handlers[msg.header.msg_type];
    if (!handler) return log(`no handler for ${msg.header.msg_type}`);
    if (msg.header.msg_type === "execute_request") return handler(msg, channel) as Promise<void>;
    this.publish(msg, "status", { execution_state: "busy" });
    try {
      await handler(msg, channel);
    } catch (e) {
      log(`${msg.header.msg_type} failed: ${(e as Error).stack}`);
    } finally {
      this.publish(msg, "status", { execution_state: "idle" });
    }
  }

  private async serveStdin(): Promise<void> {
    for await (const frames of this.stdin) {
      let msg: Message;
      try {
        msg = decode(this.conn.key, frames);
      } catch (e) {
        log(`dropped a stdin message: ${(e as Error).message}`);
        continue;
      }
      if (msg.header.msg_type === "input_reply") this.answerInput(1, String(msg.content.value ?? ""));
    }
  }

  private async serveHeartbeat(): Promise<void> {
    for await (const frames of this.hb) await this.hb.send(frames);
  }

  private answerInput(state: 1 | 2, text = ""): void {
    const bytes = Buffer.from(text);
    new Uint8Array(this.stdinBuffer, 8).set(bytes.subarray(0, this.stdinBuffer.byteLength - 8));
    Atomics.store(this.stdinState, 1, Math.min(bytes.length, this.stdinBuffer.byteLength - 8));
    Atomics.store(this.stdinState, 0, state);
    Atomics.notify(this.stdinState, 0);
  }

  private send(socket: zmq.Router | zmq.Publisher, msg: Message): void {
    if (this.closed) return;
    socket.send(encode(this.conn.key, msg)).catch((e: Error) => log(`send failed: ${e.message}`));
  }

  private publish(parent: Message | undefined, msgType: string, content: Content): void {
    this.send(this.iopub, replyTo(parent, msgType, content, this.session));
  }

  private reply(parent: Message, channel: Channel, msgType: string, content: Content): void {
    this.send(channel === "shell" ? this.shell : this.control, replyTo(parent, msgType, content, this.session, parent.identities));
  }

  // ---- execution -----------------------------------------------------------------------------

  private enqueueExecute(msg: Message, channel: Channel): Promise<void> {
    this.publish(msg, "status", { execution_state: "busy" });
    this.queued++;
    const task = this.queue.then(() => this.execute(msg, channel)).catch((e: Error) => log(`execute failed: ${e.stack}`))
      .finally(() => {
        this.publish(msg, "status", { execution_state: "idle" });
        if (--this.queued === 0) this.aborting = false;
      });
    this.queue = task;
    return task;
  }

  private async execute(msg: Message, channel: Channel): Promise<void> {
    const code = String(msg.content.code ?? "");
    const silent = msg.content.silent === true;
    const storeHistory = !silent && msg.content.store_history !== false;
    if (this.aborting) {
      return this.reply(msg, channel, "execute_reply", { status: "aborted", execution_count: this.executionCount });
    }
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish(msg, "execute_input", { code, execution_count: count });
    const id = this.nextRunId++;
    const label = `In[${count}]`;
    this.parents.set(id, { msg, channel });
    this.runningId = id;
    this.interruptedEarly = false;
    await this.ready.catch(() => undefined);

    const help = /^\s*([\w$.]+)\?\s*$/.exec(code);
    if (help) return this.page(msg, channel, help[1], count);
    const compiled = await this.checker.call<CompileResult>("compile", code);
    let outcome: ExecuteOutcome;
    if (this.interruptedEarly) {
      outcome = { status: "error", ename: "KeyboardInterrupt", evalue: "the kernel was interrupted before the cell started", traceback: ["KeyboardInterrupt: the kernel was interrupted before the cell started"] };
    } else if (!compiled.ok || !compiled.compiled) {
      const tb = diagnosticTraceback(label, code, compiled);
      outcome = { status: "error", ename: "TypeScriptError", evalue: compiled.diagnostics[0]?.messageText ?? "compile error", traceback: tb };
    } else {
      const c = compiled.compiled;
      this.runnerBusy = true;
      outcome = await this.runner.call<ExecuteOutcome>("execute", {
        id, label, source: code, code: c.code, maps: c.maps, lastExpressionVar: c.lastExpressionVar,
        hasToplevelAwait: c.hasToplevelAwait, sideOutputs: c.sideOutputs, allowStdin: msg.content.allow_stdin !== false,
      } satisfies ExecuteRequest);
      this.runnerBusy = false;
      // Declarations reached before an error or interrupt exist at run time: later cells may use them.
      await this.checker.call("commit", c.declOutput);
    }

    if (outcome.status === "ok" && outcome.result && !silent) {
      this.publish(msg, "execute_result", { execution_count: count, data: outcome.result.data, metadata: outcome.result.metadata });
    }
    if (outcome.status === "error") {
      this.publish(msg, "error", { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback });
      if (msg.content.stop_on_error !== false) this.aborting = true;
    }
    this.runningId = 0;
    if (storeHistory) {
      const output = outcome.status === "ok" ? outcome.result?.data["text/plain"] : undefined;
      this.history.add(count, code, typeof output === "string" ? output : null);
    }
    const content: Content = outcome.status === "ok"
      ? { status: "ok", execution_count: count, user_expressions: {}, payload: [] }
      : { status: "error", execution_count: count, ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    this.reply(msg, channel, "execute_reply", content);
  }

  /** `name?` pages the type and docs of `name` (IPython's help syntax) instead of running anything. */
  private async page(msg: Message, channel: Channel, name: string, count: number): Promise<void> {
    const info = await this.checker.call<Content>("inspect", name, [...name].length);
    const data = info.found === true ? info.data as Content : { "text/plain": `${name}: nothing known about this name` };
    this.runningId = 0;
    this.reply(msg, channel, "execute_reply", {
      status: "ok", execution_count: count, user_expressions: {}, payload: [{ source: "page", data, start: 0 }],
    });
  }

  private onRunnerEvent(e: WorkerEvent): void {
    const parent = this.parents.get(Number(e.id))?.msg;
    switch (e.event) {
      case "stream":
        if (!parent) return void process.stderr.write(String(e.text));
        return this.publish(parent, "stream", { name: e.name, text: e.text });
      case "display":
        return this.publish(parent, "display_data", { data: e.data, metadata: e.metadata, transient: { display_id: e.displayId } });
      case "update":
        return this.publish(parent, "update_display_data", { data: e.data, metadata: e.metadata, transient: { display_id: e.displayId } });
      case "clear":
        return this.publish(parent, "clear_output", { wait: e.wait === true });
      case "input":
        if (!parent) return this.answerInput(2);
        return this.send(this.stdin, replyTo(parent, "input_request", { prompt: e.prompt, password: e.password }, this.session, parent.identities));
    }
  }

  /** Stops the running cell (message or SIGINT): loops stop at their next iteration, awaits at once. */
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

  private shutdown(msg: Message, channel: Channel): void {
    const content = { status: "ok", restart: msg.content.restart === true };
    this.reply(msg, channel, "shutdown_reply", content);
    this.publish(msg, "shutdown_reply", content);
    // Let the replies leave before the sockets close.
    setTimeout(() => void this.close().then(() => process.exit(0)), 50);
  }

  private die(why: string): void {
    log(why);
    void this.close().then(() => process.exit(1));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.iopub, this.shell, this.control, this.stdin, this.hb]) s.close();
    await Promise.all([this.runner.worker.terminate(), this.checker.worker.terminate()]);
  }
}

function log(text: string): void {
  process.stderr.write(`[nnlab kernel] ${text}\n`);
}

export async function runKernel(connectionFile: string): Promise<Kernel> {
  const conn = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const kernel = new Kernel(conn);
  process.on("SIGINT", () => kernel.interrupt());
  await kernel.start();
  return kernel;
}
