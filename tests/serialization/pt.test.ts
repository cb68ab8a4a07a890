// torch.save / torch.load in PyTorch's own .pt format: models trained in PyTorch load in nnlab and
// the reverse (Debian's python3-torch is the other side; skipped without it, except under CI=true),
// and bad files fail clearly without touching the model.
import { before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync, zipSync } from "fflate";
import { torch, nn, optim, type Tensor } from "../../lib/index";
import { Net } from "../helpers/lectureNets";
import { PYTHON, requireClient } from "../interop/jupyter";

const SCRIPT = path.resolve(__dirname, "..", "..", "..", "tests", "fixtures", "pt_interop.py");

before(async () => { await torch.ready(); });

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-pt-"));
const hasTorch = () => spawnSync(PYTHON, ["-c", "import torch"]).status === 0;

function python(t: TestContext, ...args: string[]): string | undefined {
  if (!requireClient(t, hasTorch(), `${PYTHON} with torch (python3-torch)`)) return undefined;
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The same net with BatchNorm as pt_interop.py's bn_net(). */
const bnNet = () => new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 26 * 26, 10));

function train(model: nn.Module, inputs: Tensor, target: Tensor): void {
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  model.train();
  for (let i = 0; i < 3; i++) {
    optimizer.zeroGrad();
    new nn.CrossEntropyLoss()(model(inputs), target).backward();
    optimizer.step();
  }
  model.eval();
}

const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

test("a model trained in nnlab, saved with torch.save, loads in PyTorch (strict) and gives the same outputs", (t) => {
  torch.manualSeed(0);
  const inputs = torch.randn(4, 1, 28, 28);
  const target = torch.tensor([3, 1, 4, 1]);
  const cnn = new Net();
  const bn = bnNet();
  train(cnn, inputs, target);
  train(bn, inputs, target);
  const file = path.join(tempDir(), "nnlab.pt");
  torch.noGrad(() => torch.save({
    cnn: cnn.stateDict(), bn: bn.stateDict(), input: inputs, cnn_logits: cnn(inputs), bn_logits: bn(inputs),
    extras: { int64: torch.tensor([-3, 2147483647]), flags: torch.tensor([true, false]), epoch: 3, lr: 0.01, name: "run" },
  }, file));
  const out = python(t, "check", file);
  if (out === undefined) return;
  const r = JSON.parse(out);
  assert.ok(r.cnn_diff < 1e-4 && r.bn_diff < 1e-4, out);
  assert.deepEqual(r.bn_keys, ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "4.weight", "4.bias"]);
  assert.equal(r.num_batches_tracked, 3);
  assert.deepEqual(r.types, { cnn: "OrderedDict", bn: "OrderedDict", input: "Tensor", cnn_logits: "Tensor", bn_logits: "Tensor", extras: "OrderedDict" });
  assert.deepEqual(r.extras, { int64: ["torch.int64", [-3, 2147483647]], flags: ["torch.bool", [true, false]], epoch: 3, lr: 0.01, name: "run" });
});

test("a model trained in PyTorch loads in nnlab (loadStateDict, strict) and gives PyTorch's outputs; views, int64 and bool read exactly", (t) => {
  const dir = tempDir();
  if (python(t, "make", dir) === undefined) return;
  const saved = torch.load(path.join(dir, "torch.pt")) as Record<string, any>;
  const cnn = new Net();
  const bn = bnNet();
  assert.deepEqual(cnn.loadStateDict(saved.cnn), { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(bn.loadStateDict(saved.bn), { missingKeys: [], unexpectedKeys: [] });
  cnn.eval();
  bn.eval();
  torch.noGrad(() => {
    assert.ok(maxDiff(cnn(saved.input), saved.cnn_logits) < 1e-4);
    assert.ok(maxDiff(bn(saved.input), saved.bn_logits) < 1e-4);
  });
  assert.equal((bn[1] as nn.BatchNorm2d).numBatchesTracked.item(), 3);
  const { transposed, row, int64, flags, ...rest } = saved.extras;
  assert.deepEqual(transposed.tolist(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(row.tolist(), [4, 5, 6, 7]);
  assert.deepEqual([int64.dtype, int64.tolist()], ["int64", [-3, 2147483647]]);
  assert.deepEqual([flags.dtype, flags.tolist()], ["bool", [true, false]]);
  assert.deepEqual(rest, { epoch: 3, lr: 0.01, name: "run", sizes: [1, [2, 3]] });
  assert.throws(() => torch.load(path.join(dir, "too_big.pt")),
    { name: "SerializationError", message: /holds 1099511627776 \(element 0\), beyond the int32 range nnlab stores int64 tensors in/ });
});

test("nnlab → nnlab: a tensor, a Parameter and a state dict come back with their values, dtypes and order", () => {
  const file = path.join(tempDir(), "x.pt");
  const layer = new nn.Linear(3, 2);
  torch.save({ w: layer.weight, sd: layer.stateDict(), x: torch.tensor([[1.5, -2], [0, 3]]) }, file);
  const back = torch.load(file) as Record<string, any>;
  assert.ok(back.w instanceof nn.Parameter && back.w.requiresGrad);
  assert.deepEqual(back.w.tolist(), layer.weight.tolist());
  assert.deepEqual(Object.keys(back.sd), ["weight", "bias"]);
  assert.deepEqual(back.x.tolist(), [[1.5, -2], [0, 3]]);
});

test("state dicts: PyTorch's keys and order, a plain object (Object.keys works), shared with the model", () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  const sd = model.stateDict();
  assert.deepEqual(Object.keys(sd), ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]);
  assert.equal(sd["1.num_batches_tracked"].dtype, "int64");
  model.train();
  model(torch.randn(2, 1, 5, 5));
  assert.equal(sd["1.num_batches_tracked"].item(), 1, "the state dict shares the buffer, as PyTorch's does");
  assert.deepEqual((model[1] as nn.BatchNorm2d).runningMean.tolist(), [...sd["1.running_mean"].tolist() as number[]]);
});

function zipWith(records: Record<string, Uint8Array>): Uint8Array {
  return zipSync(records, { level: 0 });
}

test("bad files are a SerializationError that says what is wrong", () => {
  const dir = tempDir();
  const file = (name: string, bytes: Uint8Array | string) => { const p = path.join(dir, name); fs.writeFileSync(p, bytes); return p; };
  const good = path.join(dir, "good.pt");
  torch.save({ x: torch.ones(2, 2) }, good);
  const bytes = fs.readFileSync(good);
  const pkl = Object.entries(unzipSync(bytes)).find(([k]) => k.endsWith("data.pkl"))![1];
  const cases: [string, string, RegExp][] = [
    ["not a zip", file("text.pt", "hello"), /not a PyTorch file \(a \.pt file is a zip archive/],
    ["truncated", file("cut.pt", bytes.subarray(0, bytes.length - 40)), /the zip archive is damaged or truncated/],
    ["no data.pkl", file("empty.pt", zipWith({ "archive/version": new Uint8Array([51]) })), /has no <folder>\/data\.pkl record/],
    ["unknown opcode", file("op.pt", zipWith({ "archive/data.pkl": Uint8Array.from([0x80, 2, 0xff, 0x2e]) })), /unsupported pickle opcode 0xff at|invalid at byte 2: unsupported pickle opcode 0xff/],
    ["pickle cut short", file("short.pt", zipWith({ "archive/data.pkl": pkl.subarray(0, 40) })), /invalid at byte \d+: /],
    ["storage too small", file("small.pt", zipWith({ "archive/data.pkl": pkl, "archive/data/0": new Uint8Array(8) })), /holds 8 bytes, but 4 float32 elements need 16/],
    ["storage missing", file("gone.pt", zipWith({ "archive/data.pkl": pkl })), /storage record archive\/data\/0 is missing/],
  ];
  for (const [what, p, message] of cases) assert.throws(() => torch.load(p), { name: "SerializationError", message }, what);
});

test("loadStateDict is all or nothing: wrong keys or shapes leave the model as it was", () => {
  const model = new nn.Linear(2, 2);
  const before = model.weight.tolist();
  assert.throws(() => model.loadStateDict({ weight: torch.zeros(2, 2), bias: torch.zeros(3) }), /size mismatch for bias/);
  assert.deepEqual(model.weight.tolist(), before);
  assert.throws(() => model.loadStateDict({ weight: torch.zeros(2, 2), bias: torch.zeros(2), extra: torch.zeros(1) }),
    /Error\(s\) in loading state_dict for Linear:\n\tUnexpected key\(s\) in state_dict: "extra"\./);
  assert.deepEqual(model.weight.tolist(), before);
});

test("model.loadStateDict(torch.load(path)) as in PyTorch: a saved state dict, or a checkpoint's entry; anything else is a clear error", () => {
  const dir = tempDir();
  torch.manualSeed(1);
  const trained = new nn.Linear(3, 2);
  torch.save(trained.stateDict(), path.join(dir, "model.pt"));
  torch.save({ model: trained.stateDict(), epoch: 4 }, path.join(dir, "ckpt.pt"));
  const fresh = new nn.Linear(3, 2);
  assert.deepEqual(fresh.loadStateDict(torch.load(path.join(dir, "model.pt"))), { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(fresh.weight.tolist(), trained.weight.tolist());
  const checkpoint = torch.load(path.join(dir, "ckpt.pt"));
  const other = new nn.Linear(3, 2);
  other.loadStateDict(checkpoint["model"]);
  assert.deepEqual(other.bias!.tolist(), trained.bias!.tolist());
  assert.equal(checkpoint["epoch"], 4);
  const before = other.weight.tolist();
  torch.save(trained.weight, path.join(dir, "weight.pt"));
  assert.throws(() => other.loadStateDict(torch.load(path.join(dir, "weight.pt"))),
    { name: "TorchTypeError", message: /Linear\.loadStateDict: expected a state dict \(parameter names → tensors, as model\.stateDict\(\) gives\), got a Tensor of shape \[2, 3\]/ });
  assert.throws(() => other.loadStateDict(checkpoint["epoch"]), /expected a state dict .* got a number\. For a checkpoint saved as \{ model: model\.stateDict\(\), \.\.\. \}, pass torch\.load\(path\)\["model"\]/);
  assert.deepEqual(other.weight.tolist(), before);
});

test("torch.save writes atomically: a failed save leaves the old file whole and no temporary file", () => {
  const dir = tempDir();
  const file = path.join(dir, "model.pt");
  torch.save({ x: torch.ones(3) }, file);
  const old = fs.readFileSync(file);
  assert.throws(() => torch.save({ x: torch.ones(1), model: new nn.Linear(1, 1) as never }, file), { name: "TorchTypeError", message: /obj\["model"\] is a Linear; nnlab saves tensors/ });
  assert.deepEqual(fs.readFileSync(file), old);
  assert.deepEqual(fs.readdirSync(dir), ["model.pt"]);
});
