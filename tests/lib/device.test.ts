// Devices as the lecture writes them: torch.device("cuda:0" if available else "cpu"), .to(device).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { torch, nn } from "../../lib/index";

before(async () => { await torch.ready(); });

test("torch.device parses cpu and cuda:N and prints as PyTorch does", () => {
  const cpu = torch.device("cpu");
  assert.deepEqual([cpu.type, cpu.index, String(cpu), inspect(cpu)], ["cpu", null, "cpu", "device(type='cpu')"]);
  const cuda = torch.device("cuda:0");
  assert.deepEqual([cuda.type, cuda.index, String(cuda), inspect(cuda)], ["cuda", 0, "cuda:0", "device(type='cuda', index=0)"]);
  assert.throws(() => torch.device("gpu"), (e: unknown) => e instanceof torch.RuntimeError && e.message.includes("Expected one of cpu, cuda device type at start of device string: gpu"));
});

test("no CUDA on this machine: cuda.isAvailable() is false and the lecture's device is the cpu", () => {
  assert.equal(torch.cuda.isAvailable(), false);
  assert.equal(torch.cuda.deviceCount(), 0);
  const device = torch.device(torch.cuda.isAvailable() ? "cuda:0" : "cpu");
  const model = new nn.Linear(2, 1);
  assert.equal(model.to(device), model);
  const x = torch.ones(3, 2);
  assert.equal(x.to(device), x);
  assert.equal(x.device.type, "cpu");
});

test(".to('cuda:0') without CUDA throws a clear error that shows the portable idiom", () => {
  const isClear = (e: unknown) => e instanceof torch.RuntimeError && e.message.includes("CUDA is not available") &&
    e.message.includes('torch.device(torch.cuda.isAvailable() ? "cuda:0" : "cpu")');
  assert.throws(() => torch.ones(2).to("cuda:0"), isClear);
  assert.throws(() => torch.ones(2).cuda(), isClear);
  assert.throws(() => new nn.Linear(2, 1).to("cuda:0"), isClear);
});

test(".to(dtype) converts", () => {
  const t = torch.tensor([1.7, -2.2]).to("int64");
  assert.deepEqual([t.dtype, t.tolist()], ["int64", [1, -2]]);
});
