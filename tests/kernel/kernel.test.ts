/**
 * The real kernel process over ZeroMQ with signed messages: every message type the issue lists.
 * One kernel serves the file (started in a temp folder holding an ES-module-only package and a
 * local .ts file); shutdown/restart uses its own.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient, texts, type Execution } from "./client";
import { encode } from "../../kernel/wire";

let k: KernelClient;
let folder: string;

function notebookFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-notebook-"));
  const pkg = path.join(dir, "node_modules", "esm-only");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "esm-only", type: "module", exports: { import: "./index.js" } }));
  writeFileSync(path.join(pkg, "index.js"), "await 0;\nexport const hi = (name) => `hi ${name}`;\nexport default 42;\n");
  writeFileSync(path.join(dir, "helper.ts"), "export const triple = (x: number): number => x * 3;\n");
  return dir;
}

before(async () => {
  folder = notebookFolder();
  k = await KernelClient.start(folder);
});
after(async () => { await k.close(); });

const result = (e: Execution) => e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined;
const plain = (e: Execution) => result(e)?.["text/plain"];
const errorOf = (e: Execution) => e.outputs.find((m) => m.header.msg_type === "error")?.content;

async function replyWithin(msgId: string, ms: number, what: string) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no execute_reply within ${ms} ms of ${what}`)), ms); });
  try {
    return await Promise.race([k.shellReply(msgId), late]);
  } finally {
    clearTimeout(timer);
  }
}

test("kernel_info_reply describes TypeScript and the heartbeat echoes", async () => {
  const reply = await k.request("shell", "kernel_info_request", {});
  assert.equal(reply.header.msg_type, "kernel_info_reply");
  assert.equal(reply.content.protocol_version, "5.3");
  assert.equal(reply.content.implementation, "nnlab");
  assert.deepEqual(reply.content.language_info, {
    name: "typescript", version: "5.0.4", mimetype: "text/typescript", file_extension: ".ts", pygments_lexer: "typescript",
    codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
  });
  assert.equal(await k.heartbeat("ping"), "ping");
});

test("a message with a wrong signature is dropped", async () => {
  const forged = k.message("kernel_info_request", {});
  const frames = encode("not-the-key", forged);
  await (k as unknown as { shell: { send(f: Buffer[]): Promise<void> } }).shell.send(frames);
  const reply = await k.request("shell", "kernel_info_request", {});
  assert.notEqual(reply.parent_header.msg_id, forged.header.msg_id);
  // The kernel's stderr is a pipe of its own: the log line can arrive after the reply.
  for (let waited = 0; !/wrong HMAC signature/.test(k.stderr) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.match(k.stderr, /wrong HMAC signature/);
});

test("the last expression is an execute_result; stdout is a stream", async () => {
  const e = await k.execute("const answer = 6 * 7;\nconsole.log('hello, world');\nanswer");
  assert.equal(e.reply.content.status, "ok");
  assert.deepEqual(e.outputs.map((m) => m.header.msg_type), ["execute_input", "stream", "execute_result"]);
  assert.equal(texts(e.outputs), "hello, world\n");
  assert.equal(plain(e), "42");
  assert.equal(e.outputs[2].content.execution_count, e.reply.content.execution_count);
});

test("the preloaded library is there without imports; tensors print as PyTorch does", async () => {
  const e = await k.execute("torch.tensor([[1, 2], [3, 4]])");
  assert.equal(plain(e), "tensor([[1, 2],\n        [3, 4]])");
  const types = await k.execute("[typeof nn.Linear, typeof F.relu, typeof optim.SGD, typeof display]");
  assert.equal(plain(types), "[ 'function', 'function', 'function', 'function' ]");
});

test("a type error runs nothing and is reported with its cell position", async () => {
  await k.execute("let ran = 0;");
  const e = await k.execute("ran = 1;\nconst s: string = 3;");
  assert.equal(e.reply.content.status, "error");
  assert.equal(e.reply.content.ename, "TypeScriptError");
  assert.equal(e.reply.content.evalue, "Type 'number' is not assignable to type 'string'.");
  const count = e.reply.content.execution_count;
  assert.deepEqual(errorOf(e)?.traceback, [
    `In[${count}]:2:7 - error TS2322: Type 'number' is not assignable to type 'string'.`,
    "    const s: string = 3;",
    "          ^",
  ]);
  assert.equal(plain(await k.execute("ran")), "0");
});

test("a runtime error is an error message whose traceback names the cell lines", async () => {
  const e = await k.execute("interface P { n: number }\n\nfunction fail(p: P) {\n  if (p.n > 0) throw new RangeError(`bad ${p.n}`);\n}\nfail({ n: 3 });");
  const count = e.reply.content.execution_count;
  assert.equal(e.reply.content.status, "error");
  assert.equal(e.reply.content.ename, "RangeError");
  assert.equal(e.reply.content.evalue, "bad 3");
  const err = errorOf(e);
  assert.deepEqual(err?.traceback, [
    "RangeError: bad 3",
    `    at fail (In[${count}]:4:22)`,
    `    at In[${count}]:6:1`,
    `In[${count}] line 4:`,
    "      if (p.n > 0) throw new RangeError(`bad ${p.n}`);",
    "                         ^",
  ]);
  assert.deepEqual(e.reply.content.traceback, err?.traceback);
});

test("a promise that fails unawaited is reported in its own cell", async () => {
  const e = await k.execute("Promise.reject(new Error('late'));\n1");
  assert.equal(e.reply.content.status, "error");
  assert.equal(e.reply.content.evalue, "late");
  assert.equal(plain(e), undefined);
});

test("let, const and class can be redeclared when a cell runs again; top-level await works", async () => {
  const cell = "const x = 1;\nlet y = 2;\nclass C { v = 3 }\nawait new Promise((r) => setTimeout(r, 5));\nx + y + new C().v";
  assert.equal(plain(await k.execute(cell)), "6");
  assert.equal(plain(await k.execute(cell)), "6");
  assert.equal(plain(await k.execute("const x = 'now a string';\nx.length")), "12");
});

test("npm packages, ES-module-only packages and local .ts files can be imported", async () => {
  const e = await k.execute("import answer, { hi } from 'esm-only';\nimport { triple } from './helper';\nimport * as path from 'node:path';\n[answer, hi('ada'), triple(4), path.basename('/a/b.ts')]");
  assert.equal(e.reply.content.status, "ok", JSON.stringify(e.reply.content));
  assert.equal(plain(e), "[ 42, 'hi ada', 12, 'b.ts' ]");
});

test("display sends display_data; handle.update sends update_display_data with the same id; clearOutput clears", async () => {
  const e = await k.execute("const h = display.html('<b>one</b>');\nh.update(display.markdown('*two*') && 'three');\nclearOutput(true);");
  const kinds = e.outputs.map((m) => m.header.msg_type);
  assert.deepEqual(kinds, ["execute_input", "display_data", "display_data", "update_display_data", "clear_output"]);
  const [first, second, update, clear] = e.outputs.slice(1);
  assert.equal((first.content.data as Record<string, unknown>)["text/html"], "<b>one</b>");
  assert.equal((second.content.data as Record<string, unknown>)["text/markdown"], "*two*");
  assert.deepEqual(update.content.data, { "text/plain": "three" });
  assert.deepEqual(update.content.transient, first.content.transient);
  assert.deepEqual(clear.content, { wait: true });
  assert.equal(result(e), undefined);
});

test("a live training curve sends one display_data, then only update_display_data with its id; the last holds every point", async () => {
  const e = await k.execute([
    "const curve = plot.live({ title: 'training loss' });",
    "for (let step = 1; step <= 200; step++) {",
    "  const t0 = Date.now(); while (Date.now() - t0 < 2) { /* a training step */ }",
    "  curve.push({ step, loss: 1 / step });",
    "}",
  ].join("\n"));
  const shown = e.outputs.filter((m) => m.header.msg_type === "display_data");
  const updates = e.outputs.filter((m) => m.header.msg_type === "update_display_data");
  assert.equal(shown.length, 1);
  assert.ok(updates.length >= 1, "no update_display_data");
  const id = (shown[0].content.transient as { display_id: string }).display_id;
  for (const u of updates) assert.equal((u.content.transient as { display_id: string }).display_id, id);
  const last = updates[updates.length - 1].content.data as Record<string, unknown>;
  assert.deepEqual(Object.keys(last).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
  const spec = JSON.stringify(last["application/vnd.vegalite.v5+json"]);
  assert.ok(spec.includes('{"x":200,"y":0.005,"series":"loss"}'), "the last point is missing from the final chart");
  assert.match(String(last["image/svg+xml"]), /training loss/);
});

test("an object with [Symbol.for('Jupyter.display')] sends its own MIME bundle as the result", async () => {
  const e = await k.execute("({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<i>me</i>', 'text/plain': 'me' }; } })");
  assert.deepEqual(result(e), { "text/plain": "me", "text/html": "<i>me</i>" });
});

test("input() sends input_request on stdin and returns the reply; without allow_stdin it fails", async () => {
  const id = await k.startExecute("const name = input('Name? ');\n`hello ${name}`", { allow_stdin: true });
  const request = await k.receive(k.stdin);
  assert.equal(request.header.msg_type, "input_request");
  assert.deepEqual(request.content, { prompt: "Name? ", password: false });
  assert.equal(request.parent_header.msg_id, id);
  await k.send("stdin", "input_reply", { value: "Ada" }, request);
  assert.equal((await k.shellReply(id)).content.status, "ok");
  const outputs = await k.outputsOf(id);
  assert.equal((outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown>)["text/plain"], "'hello Ada'");
  const refused = await k.execute("prompt('x')");
  assert.equal(refused.reply.content.ename, "StdinNotAvailableError");
});

test("interrupt_request stops a synchronous loop within 2 s; variables survive", async () => {
  await k.execute("let spins = 0;");
  const id = await k.startExecute("while (true) { spins++; }");
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input");
  await new Promise((r) => setTimeout(r, 300));
  const ack = await k.request("control", "interrupt_request", {});
  assert.deepEqual(ack.content, { status: "ok" });
  const reply = await replyWithin(id, 2000, "interrupt_request");
  assert.equal(reply.content.status, "error");
  assert.equal(reply.content.ename, "KeyboardInterrupt");
  assert.equal(plain(await k.execute("spins > 0")), "true");
});

test("SIGINT stops an awaiting training loop within 2 s; the loop does not keep running", async () => {
  await k.execute("let epoch = 0;");
  const id = await k.startExecute("for (;;) {\n  await new Promise((r) => setTimeout(r, 5));\n  if (++epoch === 3) console.log('training');\n}");
  // Interrupt once the loop is running (on a loaded machine the cell may take a while to start).
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "stream");
  k.proc.kill("SIGINT");
  const reply = await replyWithin(id, 2000, "SIGINT");
  assert.equal(reply.content.ename, "KeyboardInterrupt");
  const seen = plain(await k.execute("epoch"));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(plain(await k.execute("epoch")), seen);
  assert.notEqual(seen, "0");
});

test("interrupting a long await stops it at once", async () => {
  const id = await k.startExecute("await new Promise((r) => setTimeout(r, 60000));");
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input");
  await k.request("control", "interrupt_request", {});
  assert.equal((await replyWithin(id, 2000, "interrupt_request")).content.ename, "KeyboardInterrupt");
});

test("complete_request and inspect_request use the types", async () => {
  const c = await k.request("shell", "complete_request", { code: "torch.zer", cursor_pos: 9 });
  assert.equal(c.header.msg_type, "complete_reply");
  assert.equal(c.content.status, "ok");
  assert.equal((c.content.matches as string[])[0], "zeros");
  assert.equal(c.content.cursor_start, 6);
  assert.equal(c.content.cursor_end, 9);
  // cursor_pos counts code points: the emoji before is one, not two UTF-16 units.
  const u = await k.request("shell", "complete_request", { code: "'😀'; torch.zer", cursor_pos: 14 });
  assert.equal(u.content.cursor_start, 11);
  const i = await k.request("shell", "inspect_request", { code: "torch.zeros", cursor_pos: 8, detail_level: 0 });
  assert.equal(i.content.found, true);
  assert.match(String((i.content.data as Record<string, unknown>)["text/plain"]), /function zeros\(/);
});

test("is_complete_request tells complete, incomplete and invalid code apart", async () => {
  const status = async (code: string) => (await k.request("shell", "is_complete_request", { code })).content;
  assert.deepEqual(await status("let a = 1;"), { status: "complete" });
  assert.deepEqual(await status("for (let i = 0; i < 3; i++) {"), { status: "incomplete", indent: "  " });
  assert.deepEqual(await status("let a = );"), { status: "invalid" });
});

test("history_request answers tail, range and search", async () => {
  await k.execute("'history-marker'");
  const tail = await k.request("shell", "history_request", { hist_access_type: "tail", n: 1, output: true, raw: true });
  assert.equal(tail.header.msg_type, "history_reply");
  const [[session, line, entry]] = tail.content.history as [number, number, [string, string]][];
  assert.deepEqual(entry, ["'history-marker'", "'history-marker'"]);
  const range = await k.request("shell", "history_request", { hist_access_type: "range", session, start: line, stop: line + 1, output: false, raw: true });
  assert.deepEqual(range.content.history, [[session, line, "'history-marker'"]]);
  const search = await k.request("shell", "history_request", { hist_access_type: "search", pattern: "*history-marker*", output: false, raw: true });
  assert.deepEqual(search.content.history, [[session, line, "'history-marker'"]]);
});

test("comm_info_request gets comm_info_reply; comm_open to an unknown target is closed", async () => {
  const info = await k.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
  assert.equal(info.header.msg_type, "comm_info_reply");
  assert.deepEqual(info.content, { status: "ok", comms: {} });
  const id = await k.send("shell", "comm_open", { comm_id: "c1", target_name: "jupyter.widget", data: {} });
  const outputs = await k.outputsOf(id);
  assert.deepEqual(outputs.map((m) => [m.header.msg_type, m.content]), [["comm_close", { comm_id: "c1", data: {} }]]);
});

test("shutdown_reply honours restart and the process exits", async () => {
  const own = await KernelClient.start();
  const exited = new Promise<number | null>((resolve) => own.proc.once("exit", resolve));
  const reply = await own.request("control", "shutdown_request", { restart: true });
  assert.equal(reply.header.msg_type, "shutdown_reply");
  assert.deepEqual(reply.content, { status: "ok", restart: true });
  assert.equal(await exited, 0);
  await own.close();
});
