// PyTorch users' habits in a notebook, over the wire with a real kernel: classes as types, x[0],
// the loop slips the type check catches with the form that works, completion and help (Shift-Tab)
// as they expect, and tracebacks that show the cell, not the library's files.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient, type Execution } from "./client";

let k: KernelClient;
before(async () => { k = await KernelClient.start(mkdtempSync(path.join(os.tmpdir(), "nnlab-habits-"))); });
after(async () => { await k.close(); });

const plain = (e: Execution) => (e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined)?.["text/plain"];
const traceback = (e: Execution) => (e.outputs.find((m) => m.header.msg_type === "error")?.content.traceback as string[] | undefined) ?? [];
const complete = async (code: string) => (await k.request("shell", "complete_request", { code, cursor_pos: [...code].length })).content.matches as string[];
const inspect = async (code: string, cursor = [...code].length) => {
  const c = (await k.request("shell", "inspect_request", { code, cursor_pos: cursor, detail_level: 0 })).content;
  return c.found ? String((c.data as Record<string, unknown>)["text/plain"]) : undefined;
};

test("nn.X, optim.X, data.X and torch.utils.data.X are types in cells; x[0] and seq[0] read as in PyTorch", async () => {
  const e = await k.execute([
    "class Net extends nn.Module {",
    "  conv1: nn.Conv2d = new nn.Conv2d(1, 2, 3);",
    "  forward(x: torch.Tensor): torch.Tensor { return this.conv1(x); }",
    "}",
    "const opt: optim.SGD = new optim.SGD(new Net().parameters(), { lr: 0.1 });",
    "const ds: data.TensorDataset<[torch.Tensor]> = new data.TensorDataset(torch.zeros(4, 2));",
    "const loader: torch.utils.data.DataLoader<[torch.Tensor]> = new DataLoader(ds, { batchSize: 2 });",
    "const x = torch.tensor([[1, 2], [3, 4]]);",
    "[x[1][0].item(), String(new nn.Sequential(new nn.ReLU())[0]), loader.length]",
  ].join("\n"));
  assert.equal(e.reply.content.status, "ok", JSON.stringify(e.reply.content));
  assert.equal(plain(e), "[ 3, 'ReLU()', 2 ]");
});

test("for…in over a DataLoader is a type error that shows for…of", async () => {
  await k.execute("const trainLoader = new DataLoader(new data.TensorDataset(torch.zeros(4, 1, 28, 28), torch.tensor([1, 2, 3, 4])), { batchSize: 2 });");
  const e = await k.execute("for (const batch in trainLoader) {\n  console.log(batch);\n}");
  assert.equal(e.reply.content.status, "error");
  assert.equal(e.reply.content.evalue, "for…in walks the keys of trainLoader, not its items: write for (const batch of trainLoader), e.g. for (const [inputs, target] of trainLoader)");
  assert.match(traceback(e)[0], /^In\[\d+\]:1:1 - error nnlab: for…in walks/);
});

test("[inputs, target] straight from enumerate(loader) is a type error that shows [i, [inputs, target]]", async () => {
  const model = "const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));\n";
  const e = await k.execute(`${model}for (const [inputs, target] of enumerate(trainLoader)) {\n  const out = model(inputs);\n}`);
  assert.equal(e.reply.content.status, "error");
  assert.equal(e.reply.content.evalue, "enumerate(trainLoader) yields [index, batch], so inputs is the batch index: " +
    "write for (const [i, [inputs, target]] of enumerate(trainLoader))");
  const right = await k.execute(`${model}let n = 0;\nfor (const [i, [inputs, target]] of enumerate(trainLoader)) {\n  n += model(inputs).shape[0] + i;\n}\nn`);
  assert.equal(plain(right), "5");
});

test("completion offers only names that match what was typed, and a model's own members first, without Function.prototype's", async () => {
  assert.deepEqual((await complete("torch.ze")).sort(), ["zeros", "zerosLike"]);
  await k.execute("class Small extends nn.Module {\n  fc = new nn.Linear(2, 1);\n  forward(x: torch.Tensor): torch.Tensor { return this.fc(x); }\n}\nconst small = new Small();");
  const members = await complete("small.");
  assert.deepEqual(members.slice(0, 2).sort(), ["fc", "forward"]);
  for (const name of ["bind", "call", "arguments", "caller", "prototype"]) assert.ok(!members.includes(name), `${name} offered`);
  assert.ok(members.includes("parameters") && members.includes("apply"), "Module's own members are offered");
  assert.deepEqual(await complete("small.para"), ["parameters"]);
  const tensor = await complete("torch.zeros(2).");
  assert.ok(tensor.includes("view") && tensor.includes("sum") && !tensor.includes("bind"));
});

test("Shift-Tab shows the signature and the doc comment, on the name, after it and inside a call's parentheses", async () => {
  const onClass = await inspect("nn.Conv2d");
  assert.match(onClass ?? "", /^class Conv2d\nnew Conv2d\(inChannels: number, outChannels: number, kernelSize: Pair, opts\?: Conv2dOptions\): Conv2d\n/);
  assert.match(onClass ?? "", /2-D convolution/);
  const inCall = await inspect("new nn.Conv2d(");
  assert.match(inCall ?? "", /constructor (nn\.)?Conv2d\(inChannels: number, outChannels: number/);
  assert.match(inCall ?? "", /2-D convolution/);
  const inArgs = await inspect("F.relu(torch.zeros(2), ", [..."F.relu(torch.zeros(2), "].length);
  assert.match(inArgs ?? "", /relu\(x: Tensor\): Tensor/);
});

test("a runtime error shows the cell's frames and one line for the library's, without machine paths", async () => {
  const e = await k.execute("const layer = new nn.Linear(3, 2);\nfunction run() {\n  return layer(torch.zeros(4, 5));\n}\nrun();");
  const lines = traceback(e);
  const count = e.reply.content.execution_count;
  assert.match(lines[0], /^RuntimeError: mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)/);
  assert.match(lines[1], /^ {4}at nnlab \(.*\d+ frames?\)$/);
  assert.deepEqual(lines.slice(2), [`    at run (In[${count}]:3:10)`, `    at In[${count}]:5:1`, `In[${count}] line 3:`, "      return layer(torch.zeros(4, 5));", "             ^"]);
  assert.ok(lines.every((l) => !l.includes("/dist/") && !l.includes(os.homedir()) && !/\(\/[^)]*\)/.test(l)), lines.join("\n"));
});
