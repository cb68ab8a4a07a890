/**
 * A cell's top-level variables through a real kernel: locals of the cell (kernel/instrument.ts),
 * shared with later cells and with closures through accessors on the notebook's exports. Each
 * test is a short notebook session; names are unique per test since all share one kernel.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KernelClient, type Execution } from "./client";

let k: KernelClient;
before(async () => { k = await KernelClient.start(); });
after(async () => { await k.close(); });

const plain = (e: Execution) =>
  (e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined)?.["text/plain"];
const errorOf = (e: Execution) => e.outputs.find((m) => m.header.msg_type === "error")?.content;

/** Runs the cells in order and returns the last one's result, failing on any error. */
async function session(...cells: string[]): Promise<unknown> {
  let last: Execution | undefined;
  for (const cell of cells) {
    last = await k.execute(cell);
    assert.equal(last.reply.content.status, "ok", `${cell}\n→ ${JSON.stringify(last.reply.content)}`);
  }
  return plain(last!);
}

test("a loop's updates to a top-level variable are seen by the cell and by later cells", async () => {
  assert.equal(await session("let total = 0;\nfor (let i = 0; i < 1000; i++) { total += i; }\ntotal"), "499500");
  assert.equal(await session("total"), "499500");
  assert.equal(await session("for (let i = 0; i < 100; i++) total += 2;\ntotal"), "499700");
});

test("a function of one cell and later cells update the same variable", async () => {
  assert.equal(await session("let n = 0;\nfunction inc() { n++; return n; }", "inc(); inc();\nn"), "2");
  assert.equal(await session("n = 10;\ninc()"), "11");
  assert.equal(await session("n"), "11");
  assert.equal(await session("const read = () => n;\nn += 5;\nread()"), "16");
});

test("a closure made in a loop keeps seeing the variable as later cells change it", async () => {
  assert.equal(await session("let step = 1;\nconst adders = [1, 2].map((x) => () => x + step);\nadders[1]()"), "3");
  assert.equal(await session("step = 100;\nadders[0]() + adders[1]()"), "203");
});

test("a var declared in a loop or its body is a local of the cell, seen by its functions later", async () => {
  assert.equal(await session("for (var v = 0; v < 5; v++) { var twice = v * 2; }\nfunction lastTwice() { return twice; }\n[v, twice]"), "[ 5, 8 ]");
  assert.equal(await session("lastTwice()"), "8");
});

test("a const stays const: the checker refuses an assignment and the runtime throws", async () => {
  assert.equal(await session("const fixed = 1;"), undefined);
  const checked = await k.execute("fixed = 2;");
  assert.equal(checked.reply.content.ename, "TypeScriptError");
  const run = await k.execute("// @ts-ignore\nfixed = 3;");
  assert.equal(run.reply.content.ename, "TypeError");
  assert.match(String(run.reply.content.evalue), /constant variable 'fixed'/);
  assert.equal(await session("fixed"), "1");
});

test("a later cell can redeclare a name; closures of the first keep their own variable", async () => {
  assert.equal(await session("let level = 1;\nfunction bump() { return ++level; }", "let level = 'high';\nlevel.length"), "4");
  assert.equal(await session("bump()"), "2");
  assert.equal(await session("level"), "'high'");
  assert.equal(await session("const level = [1, 2];\nlevel.length"), "2");
});

test("a cell with top-level await shares its variables the same way", async () => {
  assert.equal(await session("let w = 1;\nawait new Promise((r) => setTimeout(r, 5));\nw += 1;\nfunction getW() { return w; }\nw"), "2");
  assert.equal(await session("w = 5;\ngetW()"), "5");
});

test("a cell that throws midway leaves the variables it reached defined, the rest undefined", async () => {
  const e = await k.execute("let reached = 1;\nreached++;\nif (reached > 0) throw new Error('midway');\nlet unreached = 2;");
  assert.equal(e.reply.content.evalue, "midway");
  assert.equal(await session("[reached, typeof unreached]"), "[ 2, 'undefined' ]");
});

test("an error after a rewritten update keeps its line and column", async () => {
  const line = "for (let i = 0; i < 5; i++) { m += i; if (m > 2) throw new RangeError(`m is ${m}`); }";
  const e = await k.execute(`let m = 0;\n${line}`);
  const count = e.reply.content.execution_count;
  const column = line.indexOf("new RangeError") + 1;
  assert.deepEqual(errorOf(e)?.traceback, [
    "RangeError: m is 3",
    `    at In[${count}]:2:${column}`,
    `In[${count}] line 2:`,
    `    ${line}`,
    `    ${" ".repeat(column - 1)}^`,
  ]);
  assert.equal(await session("m"), "3");
});

test("an interrupt stops a loop that updates its own cell's variable; the variable keeps its value", async () => {
  const id = await k.startExecute("let spun = 0;\nconsole.log('looping');\nwhile (true) { spun++; }");
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "stream", 60_000);
  await new Promise((r) => setTimeout(r, 100));
  await k.request("control", "interrupt_request", {});
  assert.equal((await k.shellReply(id)).content.ename, "KeyboardInterrupt");
  assert.equal(await session("spun > 0"), "true");
});
