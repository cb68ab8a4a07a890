/**
 * A Jupyter client: starts the real kernel process from a connection file and talks ZeroMQ with
 * signed messages (no Python), like jupyter_client does. The notebook executor and the kernel
 * tests both use it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { KernelDiedError, NnlabError } from "../errors";
import { freePort } from "./ports";
import { decode, encode, newHeader, type ConnectionInfo, type Content, type Message } from "../wire";

export const CLI = path.resolve(__dirname, "..", "cli.js");

export async function writeConnectionFile(dir: string): Promise<{ file: string; info: ConnectionInfo }> {
  const [shell, iopub, stdin, control, hb] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const info: ConnectionInfo = {
    transport: "tcp", ip: "127.0.0.1", key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256",
    shell_port: shell, iopub_port: iopub, stdin_port: stdin, control_port: control, hb_port: hb,
  };
  const file = path.join(dir, "connection.json");
  writeFileSync(file, JSON.stringify(info));
  return { file, info };
}

export interface Execution { reply: Message; outputs: Message[] }

/** Kernel starts tried before a port another process took is an error (KernelClient.start). */
const PORT_ATTEMPTS = 3;
/**
 * How long start() waits for a kernel's first kernel_info_reply before it kills the kernel and says
 * so: nnlab's kernel answers in well under a second; a kernel that never answers (tslab once did,
 * after an error while binding its sockets) would otherwise hang `nnlab run`, `nnlab grade` and the bench.
 */
export const START_TIMEOUT_MS = 60_000;
/** How long close() lets a kernel exit on its own after shutdown_request before killing it. */
const SHUTDOWN_GRACE_MS = 3000;
/**
 * Linger 0: a closed socket drops what it still holds. zeromq's default (wait forever) made the
 * process hang at exit after a message had been sent to a kernel that was already dead.
 */
const SOCKET_OPTIONS = { linger: 0 };

export class KernelClient {
  readonly session = randomUUID();
  readonly iopubLog: Message[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  readonly stdin: zmq.Dealer;
  private readonly iopub = new zmq.Subscriber(SOCKET_OPTIONS);
  private readonly hb = new zmq.Request(SOCKET_OPTIONS);
  stderr = "";

  private constructor(readonly proc: ChildProcess, readonly info: ConnectionInfo) {
    const routingId = `client-${this.session}`;
    this.shell = new zmq.Dealer({ routingId, ...SOCKET_OPTIONS });
    this.control = new zmq.Dealer({ routingId: `${routingId}-control`, ...SOCKET_OPTIONS });
    this.stdin = new zmq.Dealer({ routingId, ...SOCKET_OPTIONS });
    proc.stderr?.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.died = new Promise((_, reject) => {
      // "close", not "exit": by then the kernel's last stderr lines (why it stopped) have arrived.
      proc.once("close", (code, signal) => reject(new KernelDiedError(code, signal, this.stderr)));
    });
    this.died.catch(() => undefined);
  }

  /** Rejects with KernelDiedError when the kernel process exits. */
  private readonly died: Promise<never>;

  /** `work`, unless the kernel process exits first (then KernelDiedError instead of waiting forever). */
  async whileAlive<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return Promise.race([work, this.died]);
  }

  /** Milliseconds from spawning the kernel to its first kernel_info_reply. */
  firstReplyMs = 0;

  /** Where the connection file lives when the client made a folder for it (removed by close). */
  private ownConnectionDir?: string;

  /**
   * Starts a kernel in `cwd` (by default this one: `node dist/kernel/cli.js kernel <file>`) and waits
   * for its first kernel_info_reply. The connection file goes in `connectionDir` (by default `cwd`);
   * pass `"temp"` to keep it out of `cwd` in a temp folder that close() removes. A kernel that has
   * not answered within `timeoutMs` is killed, and start() throws an NnlabError saying so.
   */
  static async start(cwd = mkdtempSync(path.join(os.tmpdir(), "nnlab-kernel-")),
    argv: (connectionFile: string) => string[] = (file) => [process.execPath, CLI, "kernel", file],
    connectionDir: string | "temp" = cwd, timeoutMs = START_TIMEOUT_MS): Promise<KernelClient> {
    // The ports are free when chosen, but another process (a kernel started beside this one) can
    // take one before the kernel binds it; the kernel then exits saying so, and gets new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await KernelClient.startOnce(cwd, argv, connectionDir, timeoutMs);
      } catch (e) {
        if (attempt === PORT_ATTEMPTS || !(e instanceof KernelDiedError && e.message.includes("Address already in use"))) throw e;
      }
    }
  }

  private static async startOnce(cwd: string, argv: (connectionFile: string) => string[], connectionDir: string | "temp", timeoutMs: number): Promise<KernelClient> {
    const dir = connectionDir === "temp" ? mkdtempSync(path.join(os.tmpdir(), "nnlab-connection-")) : connectionDir;
    const { file, info } = await writeConnectionFile(dir);
    const started = performance.now();
    const [command, ...args] = argv(file);
    const proc = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const client = new KernelClient(proc, info);
    if (connectionDir === "temp") client.ownConnectionDir = dir;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => { timer = setTimeout(() => resolve("late"), timeoutMs); });
    let answered: unknown;
    try {
      answered = await Promise.race([client.whileAlive(client.connect(started)), late]);
    } catch (e) {
      await client.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (answered === "late") {
      await client.close(); // its last stderr lines arrive by then
      throw new NnlabError(`the kernel did not answer kernel_info_request within ${timeoutMs / 1000} s, so it was stopped; ` +
        `run it by hand to see why (${[command, ...args].join(" ")}); kernel stderr:\n${client.stderr}`);
    }
    return client;
  }

  private addr(port: number): string {
    return `tcp://${this.info.ip}:${port}`;
  }

  private async connect(started: number): Promise<void> {
    this.shell.connect(this.addr(this.info.shell_port));
    this.control.connect(this.addr(this.info.control_port));
    this.stdin.connect(this.addr(this.info.stdin_port));
    this.hb.connect(this.addr(this.info.hb_port));
    this.iopub.connect(this.addr(this.info.iopub_port));
    this.iopub.subscribe();
    void this.readIopub();
    // The subscription takes a moment: ask until the kernel's busy status for our request arrives.
    for (;;) {
      const id = await this.send("shell", "kernel_info_request", {});
      await this.receive(this.shell);
      this.firstReplyMs ||= performance.now() - started;
      if (await this.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "status", 300)) return;
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        this.iopubLog.push(decode(this.info.key, frames));
        for (const w of this.waiters.splice(0)) w();
      }
    } catch {
      // socket closed
    }
  }

  /** Resolves with the first iopub message matching `pred` (searching the whole log), or undefined after `ms`. */
  async waitIopub(pred: (m: Message) => boolean, ms = 30000): Promise<Message | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.iopubLog.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  message(msgType: string, content: Content): Message {
    return { identities: [], header: newHeader(msgType, this.session, "test"), parent_header: {}, metadata: {}, content, buffers: [] };
  }

  async send(channel: "shell" | "control" | "stdin", msgType: string, content: Content, parent?: Message): Promise<string> {
    const msg = this.message(msgType, content);
    if (parent) msg.parent_header = parent.header;
    const socket = channel === "shell" ? this.shell : channel === "control" ? this.control : this.stdin;
    await socket.send(encode(this.info.key, msg));
    return msg.header.msg_id;
  }

  async receive(socket: zmq.Dealer): Promise<Message> {
    return decode(this.info.key, await socket.receive());
  }

  /** Sends a request and returns its reply (skipping replies to other requests). */
  async request(channel: "shell" | "control", msgType: string, content: Content): Promise<Message> {
    const id = await this.send(channel, msgType, content);
    for (;;) {
      const reply = await this.receive(channel === "shell" ? this.shell : this.control);
      if (reply.parent_header.msg_id === id) return reply;
    }
  }

  /** The iopub messages a request caused, from busy to idle (exclusive). */
  async outputsOf(msgId: string): Promise<Message[]> {
    const idle = await this.waitIopub((m) => m.parent_header.msg_id === msgId && m.header.msg_type === "status" &&
      m.content.execution_state === "idle");
    if (!idle) throw new NnlabError(`no idle status for ${msgId}; kernel stderr:\n${this.stderr}`);
    return this.iopubLog.filter((m) => m.parent_header.msg_id === msgId && m.header.msg_type !== "status");
  }

  async execute(code: string, extra: Content = {}): Promise<Execution> {
    const reply = await this.request("shell", "execute_request", {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra,
    });
    return { reply, outputs: await this.outputsOf(String(reply.parent_header.msg_id)) };
  }

  /** Starts an execution without waiting for its reply. */
  async startExecute(code: string, extra: Content = {}): Promise<string> {
    return this.send("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra });
  }

  async shellReply(msgId: string): Promise<Message> {
    for (;;) {
      const reply = await this.receive(this.shell);
      if (reply.parent_header.msg_id === msgId) return reply;
    }
  }

  /**
   * Makes an nnlab kernel as if just started, without a new process (`nnlab_reset_request`, see
   * kernel/server.ts): a fresh runner, only the prelude's declarations, execution count 0. The
   * messages and stderr kept from before are dropped. Throws KernelDiedError if the kernel exits,
   * NnlabError if it answers that it could not reset or does not answer within `timeoutMs`.
   */
  async reset(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NnlabError(`the kernel did not answer nnlab_reset_request within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const reply = await Promise.race([this.whileAlive(this.request("control", "nnlab_reset_request", {})), late]).finally(() => clearTimeout(timer));
    if (reply.content.status !== "ok") throw new NnlabError(`the kernel could not reset: ${String(reply.content.evalue)}`);
    this.iopubLog.splice(0);
    this.stderr = "";
  }

  async heartbeat(payload: string): Promise<string> {
    await this.hb.send(payload);
    const [echo] = await this.hb.receive();
    return echo.toString();
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once("exit", resolve));
      // Kernels that do not exit on shutdown_request (tslab), or do not answer it, are killed after
      // a grace period; the reply is not awaited, since a hung kernel never sends it.
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), SHUTDOWN_GRACE_MS);
      this.request("control", "shutdown_request", { restart: false }).catch(() => undefined);
      await exited;
      clearTimeout(timer);
    }
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
    if (this.ownConnectionDir) rmSync(this.ownConnectionDir, { recursive: true, force: true });
  }
}

export function texts(outputs: Message[], name = "stdout"): string {
  return outputs.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => String(m.content.text)).join("");
}
