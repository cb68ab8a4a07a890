/**
 * Helpers of the reliability tests and probes (scripts/reliability.ts): raw signed frames sent to a
 * real kernel, a kernel started from a connection file the test writes itself, and waiting on its
 * stderr. Loopback only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { CLI, KernelClient, writeConnectionFile } from "./client";
import { decode, encode, newHeader, sign, type ConnectionInfo, type Content, type Message } from "../../kernel/wire";

/** `[<IDS|MSG>, signature, ...bodies]`: four JSON frames (or anything else) signed with `key`. */
export function signedFrames(key: string, bodies: readonly string[], scheme?: string): Buffer[] {
  return [Buffer.from("<IDS|MSG>"), Buffer.from(sign(key, bodies, scheme)), ...bodies.map((b) => Buffer.from(b))];
}

/** Sends frames on the client's shell socket as they are. */
export async function sendRaw(k: KernelClient, frames: Buffer[]): Promise<void> {
  await (k as unknown as { shell: zmq.Dealer }).shell.send(frames);
}

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
 * One execute_request whose code adds 1 to `globalThis.<counter>`, broken in one part: what the
 * forged-message tests and probes send. `what` names the fault as the kernel's log line does.
 */
export function forgedExecutes(session: string, counter: string): { what: RegExp; bodies: string[] }[] {
  const header = (): Record<string, unknown> => ({ ...newHeader("execute_request", session, "attacker") });
  const content = JSON.stringify({ code: `(globalThis as any).${counter} = ((globalThis as any).${counter} ?? 0) + 1;`, silent: false });
  const message = (h: unknown, parent: unknown = {}, metadata: unknown = {}, c: string = content) =>
    [typeof h === "string" ? h : JSON.stringify(h), JSON.stringify(parent), JSON.stringify(metadata), c];
  const cases: { what: RegExp; bodies: string[] }[] = [
    { what: /header is null, not an object/, bodies: message(null) },
    { what: /header is a string, not an object/, bodies: message("\"execute_request\"") },
    { what: /header is a number, not an object/, bodies: message("42") },
    { what: /header is an array, not an object/, bodies: message("[]") },
    { what: /header is not JSON/, bodies: message("{\"msg_type\": ") },
    { what: /parent_header is null/, bodies: message(header(), null) },
    { what: /parent_header is a string/, bodies: message(header(), "x") },
    { what: /metadata is null/, bodies: message(header(), {}, null) },
    { what: /metadata is an array/, bodies: message(header(), {}, [1]) },
    { what: /content is null/, bodies: message(header(), {}, {}, "null") },
    { what: /content is a string/, bodies: message(header(), {}, {}, "\"1+1\"") },
    { what: /content is not JSON/, bodies: message(header(), {}, {}, "{code:") },
  ];
  for (const field of ["msg_id", "msg_type", "session", "username", "version"]) {
    const h = header();
    delete h[field];
    cases.push({ what: new RegExp(`header\\.${field} is missing`), bodies: message(h) });
    cases.push({ what: new RegExp(`header\\.${field} is not a string`), bodies: message({ ...header(), [field]: 7 }) });
  }
  return cases;
}

/**
 * A kernel started from a connection file whose scheme and key the test chooses, and a shell socket
 * signing with them: what KernelClient (hmac-sha256 always) cannot do.
 */
export class SchemeKernel {
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly shell = new zmq.Dealer();
  private readonly session = "scheme-test";

  private constructor(readonly proc: ChildProcess, readonly info: ConnectionInfo) {
    proc.stderr?.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    this.shell.connect(`tcp://127.0.0.1:${info.shell_port}`);
    this.shell.receiveTimeout = 120_000;
  }

  static async start(scheme: string, key: string): Promise<SchemeKernel> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-scheme-"));
    const { file, info } = await writeConnectionFile(dir);
    const conn = { ...info, signature_scheme: scheme, key };
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
