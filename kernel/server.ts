/**
 * The kernel process: the Jupyter protocol alone. ZeroMQ sockets, a table from msg_type to handler,
 * busy/idle around every request, replies and output messages. What a cell means is the language's
 * business (kernel/language.ts, ipykernel's do_execute), which runs cells in worker threads so this
 * thread always answers heartbeats, kernel_info, interrupts and shutdowns at once.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { History } from "./history";
import { Language } from "./language";
import type { WorkerEvent } from "./rpc";
import { NnlabError } from "./errors";
import { address, decode, DEFAULT_SCHEME, encode, replyTo, schemeHash, SignatureHistory, type ConnectionInfo, type Content, type Message } from "./wire";

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
    debugger: false, // protocol 5.5's field: no debug_request support (kernel.json's metadata says so too)
  };
}

type Channel = "shell" | "control";
type Handler = (msg: Message, channel: Channel) => Promise<void> | void;

interface CellParent { msg: Message; channel: Channel }

/**
 * Linger 1 s, as ipykernel: the last replies and outputs get a moment to reach the client at exit,
 * but a client that has gone away cannot keep the process alive (zeromq's default waits forever).
 */
const SOCKET_OPTIONS = { linger: 1000 };

export class Kernel {
  private readonly session = randomUUID();
  private readonly iopub = new zmq.Publisher(SOCKET_OPTIONS);
  private readonly shell = new zmq.Router(SOCKET_OPTIONS);
  private readonly control = new zmq.Router(SOCKET_OPTIONS);
  private readonly stdin = new zmq.Router(SOCKET_OPTIONS);
  private readonly hb = new zmq.Reply(SOCKET_OPTIONS);
  private readonly language: Language;
  /** Replaced by a reset. */
  private history = new History();
  private readonly parents = new Map<number, CellParent>();
  private executionCount = 0;
  /** Execution ids; each execute request gets one (silent ones too), so outputs find their parent. */
  private nextRunId = 1;
  private queue: Promise<void> = Promise.resolve();
  /** execute_requests received so far; those numbered up to abortThrough are answered `aborted`. */
  private received = 0;
  private abortThrough = 0;
  private readonly scheme: string;
  /** Signatures already received, on every channel: a replay is refused (ipykernel's digest_history). */
  private readonly signatures = new SignatureHistory();
  /** The last send queued on each socket (see send). */
  private readonly sending = new Map<zmq.Router | zmq.Publisher, Promise<void>>();
  private closed = false;

  private readonly handlers: Record<string, Handler> = {
    kernel_info_request: (msg, ch) => this.reply(msg, ch, "kernel_info_reply", kernelInfo()),
    execute_request: (msg, ch) => this.enqueueExecute(msg, ch),
    complete_request: async (msg, ch) => this.reply(msg, ch, "complete_reply", await this.language.complete(msg.content.code as string, msg.content.cursor_pos as number)),
    inspect_request: async (msg, ch) => this.reply(msg, ch, "inspect_reply", await this.language.inspect(msg.content.code as string, msg.content.cursor_pos as number)),
    is_complete_request: async (msg, ch) => this.reply(msg, ch, "is_complete_reply", await this.language.isComplete(msg.content.code as string)),
    history_request: (msg, ch) => this.reply(msg, ch, "history_reply", { status: "ok", history: this.history.query(msg.content) }),
    comm_info_request: (msg, ch) => this.reply(msg, ch, "comm_info_reply", { status: "ok", comms: {} }),
    // No comm targets are registered: refuse the comm the way ipykernel does, by closing it.
    comm_open: (msg) => this.publish(msg, "comm_close", { comm_id: msg.content.comm_id, data: {} }),
    comm_msg: () => undefined,
    comm_close: () => undefined,
    interrupt_request: (msg, ch) => { this.interrupt(msg.header.date); this.reply(msg, ch, "interrupt_reply", { status: "ok" }); },
    shutdown_request: (msg, ch) => this.shutdown(msg, ch),
    nnlab_reset_request: (msg, ch) => this.reset(msg, ch),
  };

  /** Throws SignatureSchemeError before any socket opens if the connection file's scheme is unknown. */
  constructor(private readonly conn: ConnectionInfo) {
    this.scheme = conn.signature_scheme || DEFAULT_SCHEME;
    schemeHash(this.scheme);
    this.language = new Language({
      onOutput: (e) => this.onOutput(e),
      onRestart: (reason) => log(`${reason}; starting a fresh runner`),
      onPreloadFailed: (e) => log(`preloading the library failed: ${e.stack ?? e.message}`),
    });
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

  private async serve(socket: zmq.Router, channel: Channel): Promise<void> {
    for await (const frames of socket) {
      const msg = this.decode(frames, channel);
      if (msg) void this.handle(msg, channel);
    }
  }

  /** The message, or undefined (logged in one line) when it is forged, replayed or malformed. */
  private decode(frames: Buffer[], channel: Channel | "stdin"): Message | undefined {
    try {
      return decode(this.conn.key, frames, { scheme: this.scheme, history: this.signatures });
    } catch (e) {
      log(`dropped a ${channel} message: ${(e as Error).message}`);
      return undefined;
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
      const msg = this.decode(frames, "stdin");
      if (msg?.header.msg_type === "input_reply") this.language.answerInput(1, String(msg.content.value ?? ""));
    }
  }

  private async serveHeartbeat(): Promise<void> {
    for await (const frames of this.hb) await this.hb.send(frames);
  }

  /**
   * Queues `msg` on `socket`. A ZeroMQ socket takes one send at a time (a second one while the first
   * is pending throws EBUSY, which would end the process), so each socket's sends form a chain.
   */
  private send(socket: zmq.Router | zmq.Publisher, msg: Message): void {
    if (this.closed) return;
    const frames = encode(this.conn.key, msg, this.scheme);
    const previous = this.sending.get(socket) ?? Promise.resolve();
    this.sending.set(socket, previous.then(() => (this.closed ? undefined : socket.send(frames)))
      .catch((e: Error) => log(`send failed: ${e.message}`)));
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
    const seq = ++this.received;
    const task = this.queue.then(() => this.execute(msg, channel, seq)).catch((e: Error) => log(`execute failed: ${e.stack}`))
      .finally(() => this.publish(msg, "status", { execution_state: "idle" }));
    this.queue = task;
    return task;
  }

  /** `seq`: the request's place in arrival order; an error aborts the requests that came before it ended (ipykernel). */
  private async execute(msg: Message, channel: Channel, seq: number): Promise<void> {
    const code = String(msg.content.code ?? "");
    const silent = msg.content.silent === true;
    const storeHistory = !silent && msg.content.store_history !== false;
    if (seq <= this.abortThrough) {
      return this.reply(msg, channel, "execute_reply", { status: "aborted", execution_count: this.executionCount });
    }
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish(msg, "execute_input", { code, execution_count: count });
    const id = this.nextRunId++;
    this.parents.set(id, { msg, channel });
    const outcome = await this.language.execute({ id, code, label: `In[${count}]`, allowStdin: msg.content.allow_stdin !== false, sentAt: msg.header.date });

    if (outcome.status === "ok" && outcome.page) {
      return this.reply(msg, channel, "execute_reply", {
        status: "ok", execution_count: count, user_expressions: {}, payload: [{ source: "page", data: outcome.page, start: 0 }],
      });
    }
    if (outcome.status === "ok" && outcome.result && !silent) {
      this.publish(msg, "execute_result", { execution_count: count, data: outcome.result.data, metadata: outcome.result.metadata });
    }
    if (outcome.status === "error") {
      this.publish(msg, "error", { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback });
      if (msg.content.stop_on_error !== false) this.abortThrough = this.received;
    }
    if (storeHistory) {
      const output = outcome.status === "ok" ? outcome.result?.data["text/plain"] : undefined;
      this.history.add(count, code, typeof output === "string" ? output : null);
    }
    const content: Content = outcome.status === "ok"
      ? { status: "ok", execution_count: count, user_expressions: {}, payload: [] }
      : { status: "error", execution_count: count, ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    this.reply(msg, channel, "execute_reply", content);
  }

  /** A running cell's output, published as the child of its execute_request. */
  private onOutput(e: WorkerEvent): void {
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
        if (!parent) return this.language.answerInput(2);
        return this.send(this.stdin, replyTo(parent, "input_request", { prompt: e.prompt, password: e.password }, this.session, parent.identities));
    }
  }

  /** Stops the running cell (interrupt_request, dated `sentAt`, or SIGINT). */
  interrupt(sentAt?: string): void {
    this.language.interrupt(sentAt);
  }

  /**
   * nnlab's own request (other kernels ignore it; this one logs unknown types and answers nothing):
   * `nnlab_reset_request` makes the kernel as if just started without a new process, so a grader can
   * run the next student's notebook on it. Queued after the cells already requested; then a fresh
   * runner (no variable, global, timer or module state survives), no declarations but the prelude's,
   * execution count 0, empty history. Replies `nnlab_reset_reply` {status: "ok"} once cells can run
   * (status "error", ename/evalue, if the library failed to load).
   */
  private reset(msg: Message, channel: Channel): Promise<void> {
    const task = this.queue.then(async () => {
      this.executionCount = 0;
      this.history = new History();
      this.parents.clear();
      const content: Content = await this.language.reset().then(() => ({ status: "ok" }),
        (e: Error) => ({ status: "error", ename: e.name, evalue: e.message, traceback: [] }));
      this.reply(msg, channel, "nnlab_reset_reply", content);
    }).catch((e: Error) => log(`reset failed: ${e.stack}`));
    this.queue = task;
    return task;
  }

  private shutdown(msg: Message, channel: Channel): void {
    const content = { status: "ok", restart: msg.content.restart === true };
    this.reply(msg, channel, "shutdown_reply", content);
    this.publish(msg, "shutdown_reply", content);
    // Let the replies leave before the sockets close.
    setTimeout(() => void this.close().then(() => process.exit(0)), 50);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.iopub, this.shell, this.control, this.stdin, this.hb]) s.close();
    await this.language.close();
  }
}

function log(text: string): void {
  process.stderr.write(`[nnlab kernel] ${text}\n`);
}

/**
 * Starts the kernel; a connection file it cannot serve, or ports it cannot bind (another process
 * took one between the frontend choosing it and the kernel starting), is one line on stderr and exit
 * code 1: the frontend sees the kernel die and can start it again on other ports, where a kernel
 * left running without its sockets would never answer.
 */
export async function runKernel(connectionFile: string): Promise<Kernel> {
  const conn = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  let kernel: Kernel;
  try {
    kernel = new Kernel(conn);
  } catch (e) {
    if (!(e instanceof NnlabError)) throw e;
    log(`cannot start with ${connectionFile}: ${e.message}`);
    process.exit(1);
  }
  process.on("SIGINT", () => kernel.interrupt());
  try {
    await kernel.start();
  } catch (e) {
    log(`cannot listen on the ports of ${connectionFile}: ${(e as Error).message}`);
    process.exit(1);
  }
  return kernel;
}
