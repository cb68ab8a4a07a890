// F.conv2d and F.linear on the wasm backend against PyTorch, forward and backward, on the shapes that
// take each path of nnlab's own kernels (tests/fixtures/kernel_reference.json, made by
// make_kernel_reference.py with Debian's python3-torch): batch 1, one input channel, strides,
// padding, rectangles, 1x1, column counts that leave remainders, K in blocks, one row.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { torch, F, type Tensor } from "../../lib/index";
import { formula } from "../helpers/lectureNets";
import { expectClose, type Golden } from "../helpers/golden";

process.env["NNLAB_BACKEND"] = "wasm";

type Summary = { full: Golden } | { shape: number[]; sum: number; norm: number; indices: number[]; values: number[] };
interface Case { name: string; x: number[]; weight: number[]; y: Summary; dx: Summary; dweight: Summary; db: Summary }
interface ConvCase extends Case { stride: [number, number]; padding: [number, number] }
const R = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../tests/fixtures/kernel_reference.json"), "utf8")) as
  { torch_version: string; conv2d: ConvCase[]; linear: Case[] };

before(async () => assert.equal((await torch.ready()).name, "wasm"));

/** The inputs as make_kernel_reference.py makes them: x, weight (scaled by 1/sqrt(fan in)), bias. */
function inputs(c: Case): Tensor[] {
  const fanIn = c.weight.slice(1).reduce((a, d) => a * d, 1);
  return [formula(c.x, 0, 1), formula(c.weight, 1, 1 / Math.sqrt(fanIn)), formula([c.weight[0]], 2, 0.5)].map((t) => t.requiresGrad_(true));
}

/** A tensor against the fixture: every value, or (for large ones) sum, norm and sampled values. */
function expectSummary(t: Tensor, s: Summary, what: string): void {
  if ("full" in s) return expectClose(t, s.full, what);
  assert.deepEqual([...t.shape], s.shape, `${what}: shape`);
  const v = t.dataSync();
  let [sum, sq] = [0, 0];
  for (const x of v) { sum += x; sq += x * x; }
  expectClose(Math.sqrt(sq), s.norm, `${what} L2 norm`);
  expectClose(sum, s.sum, `${what} sum`, 1e-4, s.norm);
  expectClose(s.indices.map((i) => v[i]), s.values, `${what} sampled entries`);
}

function check(c: Case, op: (x: Tensor, w: Tensor, b: Tensor) => Tensor): void {
  const [x, w, b] = inputs(c);
  const y = op(x, w, b);
  expectSummary(y, c.y, "y");
  y.backward(formula([...y.shape], 3, 1));
  expectSummary(x.grad!, c.dx, "dx");
  expectSummary(w.grad!, c.dweight, "dweight");
  expectSummary(b.grad!, c.db, "db");
}

test("the fixture is PyTorch 1.13.1's", () => assert.equal(R.torch_version, "1.13.0a0"));
for (const c of R.conv2d) test(`wasm: conv2d ${c.name}`, () => check(c, (x, w, b) => F.conv2d(x, w, b, { stride: c.stride, padding: c.padding })));
for (const c of R.linear) test(`wasm: linear ${c.name}`, () => check(c, (x, w, b) => F.linear(x, w, b)));
