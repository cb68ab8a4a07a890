/**
 * Helpers of the reliability tests: the forged messages of the probes (scripts/forged-messages.ts),
 * a kernel started from a connection file the test writes itself, and waiting on its stderr.
 * Loopback only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { CLI, writeConnectionFile } from "./client";
import { decode, encode, newHeader, type ConnectionInfo, type Content, type Message } from "../../kernel/wire";
export { forgedExecutes, sendRaw, signedFrames } from "../../scripts/forged-messages";

/** Waits until the kernel's stderr matches `pattern` (false after `ms`). */
export async function stderrMatches(k: { stderr: string }, pattern: RegExp, ms = 20000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pattern.test(k.stderr)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * A kernel started from a connection file whose scheme and key the test chooses, and a shell socket
 * signing with them: what KernelClient (hmac-sha256 always) cannot do.
 */
export class SchemeKernel {
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly session = "scheme-test";

  private constructor(readonly proc: ChildProcess, readonly info: ConnectionInfo) {
    proc.stderr?.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    this.shell.connect(`tcp://127.0.0.1:${info.shell_port}`);
    this.shell.receiveTimeout = 120_000;
  }

  /** `ports` replaces ports of the connection file (one another process holds, say). */
  static async start(scheme: string, key: string, ports: Partial<ConnectionInfo> = {}): Promise<SchemeKernel> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-scheme-"));
    const { file, info } = await writeConnectionFile(dir);
    const conn = { ...info, ...ports, signature_scheme: scheme, key };
    writeFileSync(file, JSON.stringify(conn));
    return new SchemeKernel(spawn(process.execPath, [CLI, "kernel", file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }), conn);
  }

  /** Sends a request signed with the file's scheme and returns the reply, verified with it too. */
  async request(msgType: string, content: Content): Promise<Message> {
    const msg: Message = { identities: [], header: newHeader(msgType, this.session, "test"), parent_header: {}, metadata: {}, content, buffers: [] };
    await this.shell.send(encode(this.info.key, msg, this.info.signature_scheme));
    for (;;) {
      const reply = decode(this.info.key, await this.shell.receive(), { scheme: this.info.signature_scheme });
      if (reply.parent_header.msg_id === msg.header.msg_id) return reply;
    }
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null) {
      await this.request("shutdown_request", { restart: false }).catch(() => undefined);
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    this.shell.close();
  }
}
