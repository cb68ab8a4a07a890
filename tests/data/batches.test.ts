// The DataLoader's MNIST batches through the transform's byte table, written straight into the
// tensor's buffer (lib/data/byte-table.ts, lib/backend/fill.ts): the same values and order as the
// transform's batched form on the gathered bytes (the path before), and no tensor left behind.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { datasets, DataLoader, transforms, type ImageBatch, type Transform } from "../../lib/data";
import { byteTable } from "../../lib/data/byte-table";
import { filledFloat32 } from "../../lib/backend/fill";
import { torch } from "../../lib/index";
import { randperm } from "../../lib/tensor/random";

before(() => torch.ready());

const lecture = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);

/** The batch as the transform's batched form makes it from the gathered bytes, and its labels. */
function viaBatched(ds: datasets.MNIST<torch.Tensor>, rows: ArrayLike<number>, t: Transform): [Float32Array, number[]] {
  const bytes = new Uint8Array(rows.length * 784);
  Array.from(rows).forEach((k, i) => bytes.set(ds.images.subarray(k * 784, (k + 1) * 784), i * 784));
  const out = t.batched!({ kind: "bytes", data: bytes, shape: [rows.length, 28, 28, 1] }) as Extract<ImageBatch, { kind: "float" }>;
  return [out.data, Array.from(rows, (k) => ds.labels[k])];
}

test("the byte table holds what the batched transform makes of each byte; only pointwise transforms have one", () => {
  const table = byteTable(lecture)!;
  assert.equal(table.length, 256);
  const [m, s] = [Math.fround(0.1307), Math.fround(0.3081)];
  for (let b = 0; b < 256; b++) assert.equal(table[b], Math.fround(Math.fround(Math.fround(b / 255) - m) / s), `byte ${b}`);
  assert.equal(byteTable(lecture), table, "computed once per transform");
  assert.deepEqual([transforms.ToTensor().pointwise, transforms.Normalize(0.5, 0.5).pointwise, lecture.pointwise], [true, true, true]);
  const withLambda = transforms.Compose([transforms.ToTensor(), transforms.Lambda((x) => x)]);
  assert.equal(withLambda.pointwise, false);
  assert.equal(byteTable(withLambda), undefined);
  // Three channels' means: refused for one-channel images, by the batch itself with its real shape
  const rgb = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2])]);
  assert.equal(byteTable(rgb), undefined);
  assert.throws(() => datasets.MNIST({ train: false, transform: rgb }).getBatch([0, 1]),
    { name: "ValueError", message: "Normalize: the batch of shape [2, 1, 28, 28] has 1 channel but mean has 3 values and std 3" });
});

test("a shuffled loader's batches are bit for bit the batched transform's on the gathered bytes, in the seed's order", () => {
  const ds = datasets.MNIST({ train: false, transform: lecture });
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: true });
  torch.manualSeed(7);
  const order = randperm(ds.length);
  torch.manualSeed(7);
  let b = 0;
  for (const [inputs, target] of loader) {
    const rows = order.subarray(b * 64, (b + 1) * 64);
    const [values, labels] = viaBatched(ds, rows, lecture);
    assert.deepEqual([...inputs.shape], [rows.length, 1, 28, 28]);
    assert.deepEqual(inputs.dataSync(), values, `batch ${b}`);
    assert.deepEqual(target.tolist(), labels, `labels of batch ${b}`);
    b++;
  }
  assert.equal(b, 157);
  // and as one image at a time (the per-sample transform, collated)
  const one = ds.getItem(order[64])[0];
  torch.manualSeed(7);
  const second = [...loader].at(1)![0];
  assert.deepEqual([...one.dataSync()], [...second.dataSync().subarray(0, 784)]);
});

test("batches leave no tensors behind once dropped", async () => {
  const ds = datasets.MNIST({ train: true, transform: lecture });
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: true });
  const counts: number[] = [];
  let n = 0;
  for await (const [inputs] of loader) {
    inputs.sum().item();
    if (++n % 100 === 0) {
      torch.collectGarbage();
      torch.collectGarbage();
      counts.push(torch.memory().numTensors);
    }
    if (n === 400) break;
  }
  assert.equal(new Set(counts).size, 1, `tensors alive after 100, 200, 300, 400 batches: ${counts.join(", ")}`);
});

test("filledFloat32 writes into the new tensor's own buffer; a failed write frees it", async () => {
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    try {
      const t = filledFloat32([2, 3], (v) => v.forEach((_, i) => (v[i] = i / 3)));
      assert.deepEqual([...t.dataSync()], [0, 1, 2, 3, 4, 5].map((i) => Math.fround(i / 3)), backend);
      assert.deepEqual(t.shape, [2, 3]);
      t.dispose();
      const count = tf.memory().numTensors;
      assert.throws(() => filledFloat32([4], () => { throw new RangeError("no"); }), { message: "no" });
      assert.equal(tf.memory().numTensors, count, `${backend}: the tensor of a failed write is disposed`);
    } finally {
      await tf.setBackend("wasm");
    }
  }
});
