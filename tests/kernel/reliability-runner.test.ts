/**
 * Issue 9, interrupts and cells that end the kernel, against the real kernel over ZeroMQ: an
 * interrupt stops the cell it was sent for and nothing else; straight-line library code stops at
 * the next op; code that ignores interrupts, process.exit, process.kill and a full heap end only the
 * runner, and the next cell gets a fresh one. Where V8 aborts the whole process, Jupyter's own
 * KernelManager restarts the kernel (Debian's jupyter_client).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { KernelClient, type Execution } from "./client";
import { stderrMatches } from "./reliability-support";
import { hasJupyter, jupyterEnv, PYTHON, requireClient } from "../interop/jupyter";
import { interruptApplies } from "../../kernel/language";

/** Small, so that a heap-filling cell fails in seconds; the library needs far less. */
const HEAP_MB = 384;
let k: KernelClient;
before(async () => {
  process.env.NNLAB_RUNNER_HEAP_MB = String(HEAP_MB);
  k = await KernelClient.start();
});
after(async () => { await k.close(); });

const plain = (e: Execution) => (e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined)?.["text/plain"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(code: string): Promise<string> {
  const id = await k.startExecute(code);
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input");
  return id;
}

/** The shell reply to `id`; KernelDiedError (with the kernel's stderr) if the process exits first. */
const replyOf = (id: string) => k.whileAlive(k.shellReply(id));

/** Sends interrupt_request without waiting for its reply (replies pile up on control, unread). */
const interrupt = () => k.send("control", "interrupt_request", {});

test("interrupts are dated against the running request (ties and earlier go to nothing)", () => {
  assert.equal(interruptApplies("2026-12-02T01:00:00.000002Z", "2026-12-02T01:00:00.000001Z"), true);
  assert.equal(interruptApplies("2026-12-02T01:00:00.000001Z", "2026-12-02T01:00:00.000002Z"), false);
  assert.equal(interruptApplies("2026-12-02T01:00:00.001Z", "2026-12-02T01:00:00.001Z"), false);
  assert.equal(interruptApplies("2026-12-02T02:00:00.5+01:00", "2026-12-02T01:00:00.4Z"), true);
  assert.equal(interruptApplies(undefined, "2026-12-02T01:00:00Z"), true); // SIGINT
});

test("an interrupt sent after a cell finished never aborts the next cell nor a queued one (40 rounds)", async () => {
  await k.execute("let shortRuns = 0, nextRuns = 0, queuedRuns = 0;");
  const wrong: string[] = [];
  for (let round = 0; round < 40; round++) {
    const first = await k.startExecute("shortRuns++;");
    await replyOf(first);
    await interrupt();
    const next = await k.startExecute("nextRuns++;");
    const queued = await k.startExecute("queuedRuns++;");
    for (const [id, what] of [[next, "next"], [queued, "queued"]]) {
      const reply = await replyOf(id);
      if (reply.content.status !== "ok") wrong.push(`round ${round}: ${what} cell ${reply.content.status} ${reply.content.ename ?? ""}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.equal(plain(await k.execute("[shortRuns, nextRuns, queuedRuns]")), "[ 40, 40, 40 ]");
});

test("an interrupt sent while a cell runs still stops that cell, and the next cell runs", async () => {
  for (let round = 0; round < 3; round++) {
    const id = await started("while (true) {}");
    await sleep(200);
    await interrupt();
    assert.equal((await replyOf(id)).content.ename, "KeyboardInterrupt");
    assert.equal(plain(await k.execute("'after'")), "'after'");
  }
});

test("straight-line library work (a chain of matmuls, no loop) stops at the next op; earlier variables survive", async () => {
  await k.execute("const keptBefore = 41;");
  const timing = await k.execute("const m5 = torch.randn(1500, 1500); const t5 = Date.now(); m5.matmul(m5).matmul(m5).matmul(m5); (Date.now() - t5) / 3");
  const perOpMs = Math.max(1, Number(plain(timing)));
  const ops = Math.min(400, Math.max(12, Math.ceil(40_000 / perOpMs)));
  const id = await started(`const chain5 = m5${".matmul(m5)".repeat(ops)};\n(globalThis as any).chainDone = true;`);
  await sleep(Math.min(2000, 2 * perOpMs));
  const sent = Date.now();
  await interrupt();
  const reply = await replyOf(id);
  const tookMs = Date.now() - sent;
  assert.equal(reply.content.ename, "KeyboardInterrupt");
  // The whole chain would take ops × perOpMs (≥ 40 s); the interrupt lands within a few ops.
  assert.ok(tookMs < (ops * perOpMs) / 4, `stopped after ${tookMs} ms of an expected ${ops * perOpMs} ms (${ops} ops)`);
  assert.equal(plain(await k.execute("[keptBefore, m5.shape[0], typeof (globalThis as any).chainDone]")), "[ 41, 1500, 'undefined' ]");
});

/** Runs `code`, expects the runner to be replaced with `reason`, then a working fresh runner. */
async function endsOnlyTheRunner(code: string, reason: string | RegExp, during?: (id: string) => Promise<void>): Promise<void> {
  const pid = k.proc.pid;
  await k.execute("const doomed = 1;");
  const id = await started(code);
  await during?.(id);
  const reply = await replyOf(id);
  assert.equal(reply.content.status, "error");
  assert.equal(reply.content.ename, "KernelRestarted");
  const evalue = String(reply.content.evalue);
  if (typeof reason === "string") assert.equal(evalue, `${reason}; the runner was restarted and variables were lost`);
  else assert.match(evalue, reason);
  assert.ok(await stderrMatches(k, /; starting a fresh runner/));
  assert.equal(k.proc.exitCode, null);
  assert.equal(k.proc.pid, pid);
  const next = await k.whileAlive(k.execute("[typeof (globalThis as any).doomed, torch.ones(3).sum().item()]"));
  assert.equal(plain(next), "[ 'undefined', 3 ]");
  // The fresh checker forgot the old names too: types and values start afresh together.
  assert.equal((await k.execute("doomed")).reply.content.ename, "TypeScriptError");
}

test("uninterruptible code (eval of a loop): a second interrupt unanswered for 3 s restarts the runner", async () => {
  await endsOnlyTheRunner('eval("while (true) {}")', "the cell did not stop after two interrupts", async () => {
    await sleep(1500); // past compiling: an interrupt then would stop the cell before it starts
    await interrupt();
    await sleep(500);
    await interrupt();
  });
});

test("process.exit(1) in a cell ends only the runner: KernelRestarted, sockets kept, next cell runs", async () => {
  await endsOnlyTheRunner("process.exit(1)", "the cell called process.exit(1)");
});

test("process.kill(process.pid, 'SIGTERM') in a cell ends only the runner", async () => {
  await endsOnlyTheRunner("process.kill(process.pid, 'SIGTERM')", 'the cell called process.kill(process.pid, "SIGTERM")');
});

test("a heap-exhausting loop (worker out of memory) ends only the runner, naming the heap limit", async () => {
  await endsOnlyTheRunner("const hog: object[] = [];\nwhile (true) hog.push({ n: hog.length, s: `x${hog.length}` });",
    `the cell ran out of memory (the runner's heap limit is ${HEAP_MB} MB; NNLAB_RUNNER_HEAP_MB sets it)`);
});

/**
 * `Array.from({length: 5e8})` is a V8 fatal error ("invalid size"): it aborts the whole process,
 * worker or not, so no reply can come. Jupyter's KernelManager sees it die and its restart brings
 * back a kernel that answers the next cell.
 */
const FATAL_PY = `
import json, time
from jupyter_client.manager import KernelManager
km = KernelManager(kernel_name="nnlab")
km.start_kernel()
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=180)
kc.execute("Array.from({length: 5e8}).length")
deadline = time.time() + 180
while km.is_alive() and time.time() < deadline: time.sleep(0.5)
out = {"died": not km.is_alive()}
km.restart_kernel(now=True)
kc.wait_for_ready(timeout=180)
results = []
reply = kc.execute_interactive("6 * 7", timeout=180, output_hook=lambda m: results.append(m["content"]["data"]["text/plain"]) if m["msg_type"] == "execute_result" else None)
out.update(status=reply["content"]["status"], result=results, alive=km.is_alive())
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(out))
`;

test("a V8 fatal error (Array.from({length: 5e8})) kills the process; KernelManager's restart brings it back and it answers", async (t) => {
  if (!requireClient(t, hasJupyter(), "jupyter_client (apt: jupyter-client)")) return;
  const run = spawnSync(PYTHON, ["-c", FATAL_PY], { env: jupyterEnv(), encoding: "utf8", timeout: 600_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").pop()!), { died: true, status: "ok", result: ["42"], alive: true });
});
