import { before, test } from "node:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { data, datasets, DataLoader, enumerate, Image, TensorDataset, transforms } from "../../lib/data";
import { torch } from "../../lib/index";

before(() => torch.ready());

const toTensor = transforms.ToTensor();
const lecture = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
const FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];

test("the loader yields exactly the IDX bytes: first image's pixel sum, first labels", () => {
  const ds = datasets.MNIST({ train: true, transform: toTensor });
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: false });
  assert.equal(loader.length, 938);
  const [inputs, target] = loader[Symbol.iterator]().next().value!;
  assert.deepEqual([...inputs.shape], [64, 1, 28, 28]);
  assert.equal(inputs.dtype, "float32");
  assert.deepEqual([...target.shape], [64]);
  assert.equal(target.dtype, "int64");
  assert.deepEqual((target.tolist() as number[]).slice(0, 10), FIRST_LABELS);
  const first = (inputs.dataSync() as Float32Array).subarray(0, 784);
  assert.equal(first.reduce((a, v) => a + Math.round(v * 255), 0), 27525);
  for (let i = 0; i < 784; i++) assert.equal(first[i], Math.fround(ds.images[i] / 255));
});

test("Normalize in a batch gives the same float32 values as PyTorch's (x/255 − 0.1307)/0.3081, and as one image at a time", () => {
  const ds = datasets.MNIST({ train: false, transform: lecture });
  const [batch] = ds.getBatch([3, 0]);
  const values = batch.dataSync();
  const [m, s] = [Math.fround(0.1307), Math.fround(0.3081)];
  const expected = (byte: number) => Math.fround(Math.fround(Math.fround(byte / 255) - m) / s);
  for (let i = 0; i < 784; i++) assert.equal(values[784 + i], expected(ds.images[i]));
  assert.equal(values[0], expected(0));
  const one = ds.getItem(3)[0];
  assert.deepEqual([...one.shape], [1, 28, 28]);
  assert.deepEqual([...one.dataSync()], [...values.subarray(0, 784)]);
});

test("a seeded shuffle repeats; another seed gives another order; every sample comes once", () => {
  const ds = datasets.MNIST({ train: false, transform: toTensor });
  const loader = new DataLoader(ds, { batchSize: 1000, shuffle: true });
  const labelsOfPass = () => [...loader].map(([, y]) => [...y.dataSync()]).flat();
  torch.manualSeed(1);
  const a = labelsOfPass();
  const a2 = labelsOfPass();
  torch.manualSeed(1);
  const b = labelsOfPass();
  torch.manualSeed(2);
  const c = labelsOfPass();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, a2);
  assert.notDeepEqual(a, c);
  const count = (xs: number[]) => xs.reduce((h, v) => (h[v]++, h), new Array(10).fill(0));
  assert.deepEqual(count(a), count([...ds.labels]));
  assert.deepEqual(count(a), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

test("batch sizes, dropLast, enumerate with a start, and for await", async () => {
  const x = torch.arange(10).view(5, 2).float();
  const y = torch.tensor([0, 1, 2, 3, 4]);
  const ds = new TensorDataset(x, y);
  const loader = new DataLoader(ds, { batchSize: 2 });
  assert.equal(loader.length, 3);
  assert.deepEqual([...loader].map(([, t]) => t.tolist()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual([...new DataLoader(ds, { batchSize: 2, dropLast: true })].map(([, t]) => t.tolist()), [[0, 1], [2, 3]]);
  assert.deepEqual([...loader][1][0].tolist(), [[4, 5], [6, 7]]);
  const seen: [number, unknown][] = [];
  for await (const [i, [, t]] of enumerate(loader, 1)) seen.push([i, t.tolist()]);
  assert.deepEqual(seen, [[1, [0, 1]], [2, [2, 3]], [3, [4]]]);
  assert.equal(enumerate(loader).length, 3);
  assert.deepEqual(ds.getItem(4).map((t) => t.tolist()), [[8, 9], 4]);
  assert.throws(() => ds.getItem(5), { name: "IndexError", message: "index 5 is out of range for a dataset of size 5 (valid: 0 to 4)" });
});

test("a Dataset subclass with numbers and objects collates through default_collate", () => {
  class Squares extends data.Dataset<{ x: number; y: [number, boolean] }> {
    readonly length = 4;
    getItem(i: number) { return { x: i + 0.5, y: [i * i, i % 2 === 0] as [number, boolean] }; }
  }
  const [b] = [...new DataLoader(new Squares(), { batchSize: 4 })];
  assert.equal(b.x.dtype, "float32");
  assert.deepEqual(b.x.tolist(), [0.5, 1.5, 2.5, 3.5]);
  assert.equal(b.y[0].dtype, "int64");
  assert.deepEqual(b.y[0].tolist(), [0, 1, 4, 9]);
  assert.deepEqual(b.y[1].tolist(), [true, false, true, false]);
  const sub = new data.Subset(datasets.MNIST({ train: true, transform: toTensor }), [1, 0]);
  assert.deepEqual([...new DataLoader(sub, { batchSize: 2 })][0][1].tolist(), [0, 5]);
});

test("bad loaders and unbatchable samples say what to do", () => {
  const ds = datasets.MNIST({ train: false });
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), { name: "ValueError", message: "batchSize should be a positive integer value, but got batchSize=0" });
  assert.throws(() => [...new DataLoader(ds, { batchSize: 2 })], {
    name: "TorchTypeError",
    message: "default_collate: batch[0] must contain tensors, numbers, booleans, arrays or plain objects; found <Image mode=L size=28x28>; give the dataset transform: transforms.ToTensor() to turn images into tensors",
  });
  assert.throws(() => new TensorDataset(torch.zeros(3, 2), torch.zeros(4)), { name: "ValueError", message: "Size mismatch between tensors: tensor 0 has 3 rows, tensor 1 has shape [4]" });
});

test("transforms: ToTensor, Normalize per channel, Compose's repr, errors", () => {
  const rgb = new Image(Uint8Array.from([0, 51, 255, 255, 0, 102]), 1, 2, 3); // two RGB pixels
  const t = transforms.ToTensor()(rgb);
  assert.deepEqual([...t.shape], [3, 1, 2]);
  assert.deepEqual(t.tolist(), [[[0, 1]], [[0.2, 0]], [[1, 0.4]]].map((c) => c.map((r) => r.map(Math.fround))));
  const n = new transforms.Normalize([0, 0.5, 1], [1, 0.5, 2])(t);
  assert.deepEqual(n.tolist(), [[[0, 1]], [[Math.fround(Math.fround(Math.fround(0.2) - 0.5) / 0.5), -1]], [[0, Math.fround(Math.fround(Math.fround(0.4) - 1) / 2)]]]);
  assert.equal(String(lecture), "Compose(\n    ToTensor()\n    Normalize(mean=[0.1307], std=[0.3081])\n)");
  assert.throws(() => transforms.Normalize([0.5], [0]), { name: "ValueError", message: "Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std=[0])" });
  assert.throws(() => transforms.Normalize([0.5, 0.5], [1, 1])(t), { name: "ValueError", message: "Normalize: the tensor of shape [3, 1, 2] has 3 channels but mean has 2 values and std 2" });
  assert.throws(() => transforms.Normalize([0.5], [1])(rgb as never), { name: "TorchTypeError", message: "Normalize: expected a tensor image, got a Image; put transforms.ToTensor() before Normalize" });
  assert.throws(() => toTensor(t as never), { name: "TorchTypeError", message: "ToTensor: pic should be an Image (what datasets such as MNIST give), got a Tensor of shape [3, 1, 2]; it is a tensor already, so leave ToTensor out" });
  const doubled = transforms.Compose([transforms.ToTensor(), transforms.Lambda((x: ReturnType<typeof toTensor>) => x.mul(2))]);
  const ds = datasets.MNIST({ train: false, transform: doubled });
  const [viaItems] = ds.getBatch([0]); // Lambda has no batched form: collated one image at a time
  assert.equal(Math.round(viaItems.sum().item() * 255 / 2), ds.images.subarray(0, 784).reduce((a, b) => a + b, 0));
});

test("torch.utils.data is the package's data, with PyTorch's names", () => {
  const utils = torch.utils.data;
  assert.equal(utils, data);
  for (const name of ["Dataset", "TensorDataset", "Subset", "DataLoader", "randomSplit"] as const) assert.equal(typeof utils[name], "function", name);
  assert.equal(utils.DataLoader, DataLoader);
  assert.equal(utils.TensorDataset, TensorDataset);
});

test("DataLoader, Subset and randomSplit take any object with length and getItem (a map-style dataset, duck-typed)", () => {
  const squares = { length: 5, getItem: (i: number) => [torch.tensor([i, i * i]), i % 2] as const };
  const batches = [...new DataLoader(squares, { batchSize: 2 })];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0][0].tolist(), [[0, 0], [1, 1]]);
  assert.deepEqual(batches[2][1].tolist(), [0]);
  const sub = new data.Subset(squares, [4, 1]);
  assert.deepEqual([...new DataLoader(sub, { batchSize: 2 })][0][0].tolist(), [[4, 16], [1, 1]]);
  torch.manualSeed(0);
  const [a, b] = data.randomSplit(squares, [3, 2]);
  assert.deepEqual([a.length, b.length], [3, 2]);
  assert.throws(() => new DataLoader({ length: 3 } as never), /expected a dataset, an object with a whole-number `length` and a `getItem\(index\)` method/);
  assert.throws(() => new DataLoader([1, 2, 3] as never), /getItem/);
});

test("datasets.MNIST({ root }) reads the IDX files there or says why not; unknown options are refused with the known ones", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-mnist-"));
  assert.throws(() => datasets.MNIST({ root, train: false }), /MNIST: dataset not found: no t10k-images-idx3-ubyte \(or t10k-images-idx3-ubyte\.gz\) in /);
  fs.mkdirSync(path.join(root, "MNIST", "raw"), { recursive: true });
  const bundled = datasets.MNIST({ train: false }).files;
  for (const file of [bundled.images, bundled.labels]) fs.copyFileSync(file, path.join(root, "MNIST", "raw", path.basename(file)));
  const fromRoot = datasets.MNIST({ root, train: false });
  assert.equal(path.dirname(fromRoot.files.images), path.join(root, "MNIST", "raw"));
  assert.equal(fromRoot.length, 10000);
  assert.throws(() => datasets.MNIST({ root, train: false, downlaod: true } as never),
    { name: "ValueError", message: "MNIST: unknown option 'downlaod'; the options are root, train, transform, targetTransform, download" });
  assert.throws(() => new DataLoader(fromRoot, { batch_size: 64 } as never), /DataLoader: unknown option 'batch_size'; the options are batchSize, shuffle, dropLast, collateFn/);
});
