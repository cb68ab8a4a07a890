import { before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { datasets, IdxError, parseIdx, readIdx } from "../../lib/data";
import { bundledMnistFolder } from "../../lib/data/datasets";
import { torch } from "../../lib/index";

before(() => torch.ready());

const folder = bundledMnistFolder();
/** An original IDX file's bytes, from the bundled .gz. */
const original = (name: string) => zlib.gunzipSync(fs.readFileSync(path.join(folder, `${name}.gz`)));
const FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
const FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];

function header(magic: number, dims: number[]): Uint8Array {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

test("the bundled files are the original MNIST files", () => {
  const md5 = crypto.createHash("md5").update(original("train-images-idx3-ubyte")).digest("hex");
  assert.equal(md5, "6bbc9ace898e44ae57da46a324031adb");
});

test("MNIST reads 60,000 / 10,000 images and the IDX bytes as they are", () => {
  const train = datasets.MNIST({ train: true });
  const testSet = datasets.MNIST({ train: false });
  assert.equal(train.length, 60000);
  assert.equal(testSet.length, 10000);
  assert.deepEqual([...train.labels.subarray(0, 10)], FIRST_LABELS);
  assert.deepEqual([...testSet.labels.subarray(0, 10)], FIRST_TEST_LABELS);
  const [img, label] = train.getItem(0);
  assert.equal(label, 5);
  assert.equal(String(img), "<Image mode=L size=28x28>");
  assert.equal(img.data.reduce((a, b) => a + b, 0), 27525);
  // row 14 of the first "5", straight from the file
  assert.deepEqual([...img.data.subarray(14 * 28 + 10, 14 * 28 + 16)], [0, 0, 0, 81, 240, 253]);
  assert.deepEqual([...train.targets.shape], [60000]);
  assert.equal(train.targets.dtype, "int64");
  assert.equal(train.classes[5], "5 - five");
});

test("parseIdx rejects a wrong magic number, wrong sizes and truncated files", () => {
  const good = Buffer.concat([header(2049, [3]), Buffer.from([1, 2, 3])]);
  assert.deepEqual([...parseIdx(good, [3], "x").data], [1, 2, 3]);
  assert.throws(() => parseIdx(Buffer.concat([header(2051, [3]), Buffer.from([1, 2, 3])]), [3], "labels"),
    new IdxError("labels: magic number 2051 (0x00000803), expected 2049 (0x00000801, unsigned bytes in 1 dimension); is this the right file, or a .gz without the .gz name?"));
  assert.throws(() => parseIdx(Buffer.concat([header(2049, [4]), Buffer.from([1, 2, 3, 4])]), [3], "labels"),
    new IdxError("labels: the header says shape [4], expected [3]"));
  assert.throws(() => parseIdx(Buffer.concat([header(2049, [3]), Buffer.from([1, 2])]), [3], "labels"),
    new IdxError("labels: 10 bytes, expected 11 (header 8 + 3 values): the file is truncated; replace it with a fresh copy"));
  assert.throws(() => parseIdx(Buffer.from([0, 0]), [3], "labels"),
    new IdxError("labels: 2 bytes is too short for an IDX header (8 bytes); the file is truncated or not an IDX file"));
});

test("a root folder with .gz files under MNIST/raw works; a missing or truncated file is a clear error", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-mnist-"));
  const raw = path.join(root, "MNIST", "raw");
  fs.mkdirSync(raw, { recursive: true });
  for (const name of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
    fs.writeFileSync(path.join(raw, `${name}.gz`), zlib.gzipSync(original(name), { level: 1 }));
  }
  const ds = datasets.MNIST({ root, train: false });
  assert.equal(ds.files.images, path.join(raw, "t10k-images-idx3-ubyte.gz"));
  assert.deepEqual([...ds.labels.subarray(0, 10)], FIRST_TEST_LABELS);

  assert.throws(() => datasets.MNIST({ root, train: true }), {
    name: "RuntimeError",
    message: `MNIST: dataset not found: no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in ${root} or ${path.join(root, "MNIST", "raw")}. ` +
      "Pass download: true to use the copy bundled with nnlab (nothing is downloaded), or leave root out.",
  });
  assert.equal(datasets.MNIST({ root, train: true, download: true }).length, 60000);

  const cut = path.join(root, "cut");
  fs.mkdirSync(cut);
  fs.writeFileSync(path.join(cut, "t10k-labels-idx1-ubyte"), original("t10k-labels-idx1-ubyte").subarray(0, 5000));
  assert.throws(() => readIdx(path.join(cut, "t10k-labels-idx1-ubyte"), [10000]), {
    name: "IdxError",
    message: `${path.join(cut, "t10k-labels-idx1-ubyte")}: 5000 bytes, expected 10008 (header 8 + 10000 values): the file is truncated; replace it with a fresh copy`,
  });
  fs.writeFileSync(path.join(cut, "bad.gz"), Buffer.from("not gzip"));
  assert.throws(() => readIdx(path.join(cut, "bad.gz"), [10000]), { name: "IdxError", message: /bad\.gz: not a valid gzip file/ });
  fs.rmSync(root, { recursive: true });
});
