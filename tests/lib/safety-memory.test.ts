// Issue 9, "Memory": a tensor too large for the backend is an OutOfMemoryError before the backend is
// touched (fast, nothing allocated, everything keeps working), and a wasm backend that fails inside
// a kernel anyway is rebuilt instead of failing every later op.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { torch, type Tensor } from "../../lib/index";
import { Tensor as TensorClass } from "../../lib/tensor/tensor";
import { BackendRebuiltError, OutOfMemoryError } from "../../lib/errors";

before(async () => { await torch.ready({ prefer: "wasm" }); });

/** `make` throws OutOfMemoryError with PyTorch's "tried to allocate" wording, the size, the limit and the way out, quickly and without leaking. */
function outOfMemory(make: () => unknown, size: string, what: string): void {
  torch.collectGarbage();
  const held = torch.memory();
  const t0 = performance.now();
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof OutOfMemoryError && e instanceof torch.RuntimeError, `expected an OutOfMemoryError, got ${String(e)}`);
    assert.equal(e.name, "OutOfMemoryError");
    for (const part of [`tried to allocate ${size} (${what})`, "the wasm backend holds at most 4.0 GiB", "Free the tensors", "restarting the kernel gives it back"]) {
      assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} lacks ${JSON.stringify(part)}`);
    }
    return true;
  });
  assert.ok(performance.now() - t0 < 5000, "the check comes before any allocation (33 s before)"); // generous: shared machine
  torch.collectGarbage();
  assert.deepEqual(torch.memory(), held, "nothing allocated, nothing leaked");
  assert.equal(torch.ones(2, 2).sum().item(), 4, "the backend still works");
}

test("torch.zeros(100000, 100000) is an OutOfMemoryError, not a RangeError", () => {
  outOfMemory(() => torch.zeros(100000, 100000), "37.3 GiB", "100000 × 100000 float32");
});

test("torch.ones(50000, 50000) is an OutOfMemoryError at once (33 s before)", () => {
  outOfMemory(() => torch.ones(50000, 50000), "9.3 GiB", "50000 × 50000 float32");
});

test("torch.randn, torch.rand and torch.full of 50000 × 50000", () => {
  outOfMemory(() => torch.randn(50000, 50000), "9.3 GiB", "50000 × 50000 float32");
  outOfMemory(() => torch.rand([50000, 50000]), "9.3 GiB", "50000 × 50000 float32");
  outOfMemory(() => torch.full([50000, 50000], 7), "9.3 GiB", "50000 × 50000 int64");
});

test("a 60000 × 60000 matmul result is an OutOfMemoryError and later ops work", () => {
  const a = torch.randn(60000, 10);
  const b = torch.randn(10, 60000);
  outOfMemory(() => a.matmul(b), "13.4 GiB", "60000 × 60000 float32");
  assert.deepEqual([...a.matmul(b.narrow(1, 0, 3)).shape], [60000, 3]);
});

test("broadcasting and expand to 50000 × 50000", () => {
  const row = torch.zeros(1, 50000);
  outOfMemory(() => row.add(torch.zeros(50000, 1)), "9.3 GiB", "50000 × 50000 float32");
  outOfMemory(() => row.expand(50000, 50000), "9.3 GiB", "50000 × 50000 float32");
});

test("the limit counts the tensors alive: 2 GiB held, 2.5 GiB more does not fit; freed memory is reused", () => {
  let big: Tensor | null = torch.zeros(512, 1024, 1024);
  try {
    outOfMemory(() => torch.zeros(640, 1024, 1024), "2.5 GiB", "640 × 1024 × 1024 float32");
  } finally {
    big = null;
  }
  torch.collectGarbage();
  assert.equal(big, null);
  assert.deepEqual([...torch.zeros(384, 1024, 1024).shape], [384, 1024, 1024], "freeing made room");
});

test("a wasm backend that fails inside a kernel is rebuilt: the error says tensors were lost, then ops work", async () => {
  const old = torch.ones(3);
  // A genuine fault of the wasm module: a tensor whose buffer lies past the end of its heap, as a
  // wrapped-around allocation leaves it; the backend's Neg kernel reads out of bounds.
  const backend = tf.backend() as BackendWasm;
  const outside = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([1024], "float32", 0xffff0000));
  assert.throws(() => new TensorClass(outside).neg(), (e: unknown) => {
    assert.ok(e instanceof BackendRebuiltError, `expected a BackendRebuiltError, got ${String(e)}`);
    assert.match(e.message, /the wasm backend crashed \(memory access out of bounds\) and was rebuilt: every tensor made before is lost/);
    return true;
  });
  // At once, in the same synchronous run: ops go on (on the cpu backend until wasm is back).
  assert.equal(torch.ones(2, 2).sum().item(), 4);
  const during = torch.arange(4).view(2, 2);
  await torch.ready();
  assert.equal(torch.backendInfo().name, "wasm");
  assert.equal(torch.ones(2, 2).sum().item(), 4);
  assert.deepEqual(during.add(1).tolist(), [[1, 2], [3, 4]], "a tensor made meanwhile moves to the new backend");
  assert.throws(() => old.sum().item(), (e: unknown) => e instanceof BackendRebuiltError && /this tensor was made before the wasm backend crashed/.test(e.message));
  const x = torch.randn(8, 5);
  assert.deepEqual([...x.matmul(x.t()).shape], [8, 8]);
});

test("the cpu backend weighs its JS arrays against the machine's free memory", async () => {
  await torch.ready({ prefer: "cpu" });
  try {
    assert.throws(() => torch.zeros(100000, 100000), (e: unknown) =>
      e instanceof OutOfMemoryError && /^tried to allocate 37\.3 GiB \(.*\) but the cpu backend keeps tensors in this process's memory, and the machine has [\d.]+ GiB free/.test(e.message));
    assert.equal(torch.ones(2, 2).sum().item(), 4);
  } finally {
    await torch.ready({ prefer: "wasm" });
  }
});
