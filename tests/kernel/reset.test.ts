/**
 * nnlab_reset_request on the real kernel: after a reset nothing of the notebook before it is left
 * (variables, globalThis properties, classes and types, a patched library class or built-in, a pending
 * timer, history, execution count), the prelude and the seeding still work, and a message type the kernel does not know
 * leaves it serving.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KernelClient, type Execution } from "./client";

let k: KernelClient;
let folder: string;

before(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), "nnlab-reset-"));
  k = await KernelClient.start(folder);
});
after(async () => { await k.close(); });

const plain = (e: Execution) => (e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined)?.["text/plain"];
const evalue = (e: Execution) => String(e.reply.content.evalue ?? "");
const timerCell = (file: string, ms: number) =>
  `import { writeFileSync } from "node:fs";\nsetTimeout(() => writeFileSync(${JSON.stringify(file)}, "the timer fired"), ${ms});`;

test("after a reset no variable, global, class, type, patched prototype, timer or history of the notebook before is left", async () => {
  await k.execute('let answer = 42;\n(globalThis as any).leak = "x";\nclass Net { size = 3; }\ntype Shape = number[];\n(nn.Linear.prototype as any).marker = "patched";\n(Array.prototype as any).polluted = true;');
  assert.equal(plain(await k.execute("(new nn.Linear(1, 1) as any).marker")), "'patched'");
  assert.equal(plain(await k.execute("answer")), "42");
  assert.equal(plain(await k.execute("(globalThis as any).leak")), "'x'");
  assert.equal(plain(await k.execute("const s: Shape = [new Net().size];\ns")), "[ 3 ]");
  // A timer fires when nothing resets the kernel (the check below would prove nothing otherwise).
  await k.execute(timerCell("fired.txt", 100));
  await sleep(1000);
  assert.ok(existsSync(path.join(folder, "fired.txt")));
  await k.execute(timerCell("late.txt", 1500));
  const timerSet = Date.now();

  await k.reset();

  const first = await k.execute("1 + 1");
  assert.equal(first.reply.content.execution_count, 1, "the execution count starts again");
  assert.equal(plain(first), "2");
  assert.match(evalue(await k.execute("answer")), /Cannot find name 'answer'/, "the checker forgot the variable");
  assert.match(evalue(await k.execute("declare const answer: number;\nanswer")), /answer is not defined/, "the runner forgot the variable");
  assert.equal(plain(await k.execute("typeof (globalThis as any).leak")), "'undefined'");
  assert.equal(plain(await k.execute("typeof (new nn.Linear(1, 1) as any).marker")), "'undefined'", "the library's classes are fresh");
  assert.equal(plain(await k.execute("typeof ([] as any).polluted")), "'undefined'", "so are the built-ins");
  assert.match(evalue(await k.execute("new Net()")), /Cannot find name 'Net'/);
  assert.match(evalue(await k.execute("const s: Shape = [];")), /Cannot find name 'Shape'/);
  assert.equal(plain(await k.execute('let answer = "again";\nanswer')), "'again'", "the name can be declared anew");
  const history = await k.request("shell", "history_request", { hist_access_type: "tail", n: 100, output: false, raw: true });
  assert.deepEqual((history.content.history as [number, number, string][]).map(([, line]) => line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await sleep(Math.max(0, timerSet + 2500 - Date.now()));
  assert.ok(!existsSync(path.join(folder, "late.txt")), "the timer set before the reset did not fire");
});

test("the prelude and torch.manualSeed work the same after a reset", async () => {
  const seeded = "torch.manualSeed(3);\ntorch.rand(1).item()";
  const before = plain(await k.execute(seeded));
  assert.match(String(before), /^0\.\d+$/);
  await k.reset();
  assert.equal(plain(await k.execute(seeded)), before);
  assert.equal(plain(await k.execute("new nn.Linear(4, 3).weight.shape")), "torch.Size([3, 4])");
});

test("a message type the kernel does not know is ignored and the kernel goes on serving", async () => {
  await k.send("control", "nnlab_no_such_request", {});
  assert.equal(plain(await k.execute("6 * 7")), "42");
});
