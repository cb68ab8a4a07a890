import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, shutdownBackend } from "../../lib/backend";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { inputGradByConv } from "../../lib/backend/wasm/conv2d-backprop-input";
import { convGeometry } from "../../lib/backend/wasm/conv-geometry";
import { dilateFilter, maxAbsDiff, random, runDirect, runOn, sampleFilter, type Input, type KernelRun } from "./parity";

type Pad = "valid" | "same" | number;
interface ConvCase {
  stride: number | [number, number];
  pad: Pad;
  k: number | [number, number];
  h: number;
  /** Width when it differs from h. */
  w?: number;
  dilation?: number;
  ci?: number;
  co?: number;
  n?: number;
}
// nnlab's tiled kernels take every undilated case with >= 4 output channels (forward, filter gradient)
// or any (input gradient); their column tiles of 8 and 4 meet remainders of 1-7 through the channel
// counts below, their row tiles of 4 meet output widths that are not multiples of 4.
const convCases: ConvCase[] = [
  { stride: 1, pad: "valid", k: 5, h: 28, ci: 1, co: 10 }, // the lecture's conv1
  { stride: 1, pad: "valid", k: 5, h: 12, ci: 10, co: 20 }, // the lecture's conv2
  { stride: 1, pad: "valid", k: 5, h: 28, ci: 1, co: 10, n: 1 }, // batch 1
  { stride: 2, pad: "valid", k: 3, h: 10 }, // last input row unused
  { stride: 1, pad: 1, k: 3, h: 8 },
  { stride: 2, pad: 1, k: 3, h: 9 },
  { stride: 2, pad: "same", k: 3, h: 9 },
  { stride: 3, pad: "same", k: 5, h: 13 },
  { stride: 2, pad: 3, k: 3, h: 8 }, // padding wider than the kernel: the input gradient crops
  { stride: [2, 1], pad: "valid", k: [3, 2], h: 9, w: 7, ci: 3, co: 7 }, // rectangles, 7 = 4 + 3 columns
  { stride: 1, pad: 2, k: 3, h: 6, w: 5, ci: 1, co: 4 }, // 4 columns, 9 taps = 8 + 1
  { stride: 2, pad: "valid", k: 1, h: 7, ci: 2, co: 13 }, // 1x1: 2 taps, 13 = 8 + 5 columns
  { stride: 1, pad: 1, k: 3, h: 5, ci: 2, co: 16 }, // 6 taps per kernel row = 4 + 2
  { stride: 1, pad: "valid", k: 2, h: 5, ci: 6, co: 33 }, // 12 taps per kernel row = 8 + 4
  { stride: 1, pad: "valid", k: 3, h: 6, ci: 1, co: 3 }, // fewer than 4 output channels: the conv routes
  { stride: 1, pad: "valid", k: 2, h: 3, ci: 1, co: 4, n: 2100 }, // more parts of 8 images than a job holds
  { stride: 1, pad: "valid", k: 3, h: 11, dilation: 2 },
  { stride: 1, pad: 2, k: 3, h: 9, dilation: 2 },
  { stride: 2, pad: 1, k: 3, h: 11, dilation: 2 },
  { stride: 2, pad: 1, k: 3, h: 11, dilation: 2, ci: 1 }, // one input channel: the depthwise route
];

before(async () => {
  const info = await initBackend({ prefer: "wasm" });
  assert.equal(info.name, "wasm");
});
after(() => shutdownBackend());

function assertClose(kernel: string, got: KernelRun, want: { values: Float32Array; shape: number[] }): void {
  assert.deepEqual(got.shape, want.shape, `${kernel}: output shape`);
  const diff = maxAbsDiff(got.values, want.values);
  assert.ok(diff < 1e-4, `${kernel}: max |wasm - cpu| = ${diff}`);
  assert.equal(got.leakedTensors, 0, `${kernel}: leaked engine tensors`);
  assert.equal(got.leakedBuffers, 0, `${kernel}: leaked wasm buffers`);
}

/** Forward shapes and random inputs of one case; depthwise channel multipliers alternate 1 and 2 with the seed. */
function convSetup(c: ConvCase, depthwise: boolean, seed: number) {
  const [n, ci, co, d] = [c.n ?? 3, c.ci ?? 4, depthwise ? 1 + (seed % 2) : (c.co ?? 5), c.dilation ?? 1];
  const [kh, kw] = typeof c.k === "number" ? [c.k, c.k] : c.k;
  const xShape = [n, c.h, c.w ?? c.h, ci];
  const filterShape = [kh, kw, ci, co];
  const { outShape } = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], c.stride, d, c.pad, undefined, depthwise);
  const attrs = { strides: c.stride, pad: c.pad, dilations: d, dataFormat: "NHWC" as const };
  return { d, xShape, filterShape, attrs, x: random(xShape, seed), dy: random(outShape, seed + 1), filter: random(filterShape, seed + 2) };
}

/** The cpu backend ignores dilations in conv gradients: its reference uses the zero-dilated filter. */
async function checkFilterGrad(kernel: string, c: ConvCase, depthwise: boolean, seed: number): Promise<void> {
  const s = convSetup(c, depthwise, seed);
  const got = await runOn("wasm", kernel, { x: s.x, dy: s.dy }, { ...s.attrs, filterShape: s.filterShape });
  const wideShape = dilateFilter(s.filter, s.d).shape;
  const wide = await runOn("cpu", kernel, { x: s.x, dy: s.dy }, { ...s.attrs, dilations: 1, filterShape: wideShape });
  assertClose(kernel, got, sampleFilter(wide as Input, s.d));
}

async function checkInputGrad(kernel: string, c: ConvCase, depthwise: boolean, seed: number): Promise<void> {
  const s = convSetup(c, depthwise, seed);
  const got = await runOn("wasm", kernel, { dy: s.dy, filter: s.filter }, { ...s.attrs, inputShape: s.xShape });
  const want = await runOn("cpu", kernel, { dy: s.dy, filter: dilateFilter(s.filter, s.d) }, { ...s.attrs, dilations: 1, inputShape: s.xShape });
  assertClose(kernel, got, want);
}

/** Conv2DBackpropInput's conv formulation (its route for dilated filters), checked on every case. */
async function checkInputGradByConv(c: ConvCase, seed: number): Promise<void> {
  const s = convSetup(c, false, seed);
  const attrs = { ...s.attrs, inputShape: s.xShape };
  const info = convGeometry("test", s.xShape, s.filterShape, attrs, false);
  const got = await runDirect({ dy: s.dy, filter: s.filter }, (t, backend) =>
    inputGradByConv({ inputs: { dy: t["dy"], filter: t["filter"] }, backend: backend as BackendWasm, attrs }, info));
  const want = await runOn("cpu", "Conv2DBackpropInput", { dy: s.dy, filter: dilateFilter(s.filter, s.d) }, { ...attrs, dilations: 1 });
  assertClose("inputGradByConv", got, want);
}

/** The forward conv, with a bias and ReLU (FusedConv2D) and without (Conv2D). */
async function checkForward(c: ConvCase, fused: boolean, seed: number): Promise<void> {
  const s = convSetup(c, false, seed);
  const kernel = fused ? "FusedConv2D" : "Conv2D";
  const inputs: Record<string, Input> = { x: s.x, filter: s.filter };
  if (fused) inputs["bias"] = random([s.filterShape[3]], seed + 3);
  const attrs = fused ? { ...s.attrs, activation: "relu" } : s.attrs;
  const want = await runOn("cpu", kernel, { ...inputs, filter: dilateFilter(s.filter, s.d) }, { ...attrs, dilations: 1 });
  assertClose(kernel, await runOn("wasm", kernel, inputs, attrs), want);
}

convCases.forEach((c, i) => {
  const name = `stride ${c.stride}, pad ${c.pad}, k ${c.k}, ${c.h}x${c.w ?? c.h}x${c.ci ?? 4} -> ${c.co ?? 5}, batch ${c.n ?? 3}, dilation ${c.dilation ?? 1}`;
  test(`Conv2D matches cpu: ${name}`, () => checkForward(c, false, 50 + i));
  test(`FusedConv2D with bias and relu matches cpu: ${name}`, () => checkForward(c, true, 70 + i));
  test(`Conv2DBackpropInput's conv route matches cpu: ${name}`, () => checkInputGradByConv(c, 250 + i));
  test(`Conv2DBackpropFilter matches cpu: ${name}`, () => checkFilterGrad("Conv2DBackpropFilter", c, false, 100 + i));
  test(`Conv2DBackpropInput matches cpu: ${name}`, () => checkInputGrad("Conv2DBackpropInput", c, false, 200 + i));
  test(`DepthwiseConv2dNativeBackpropFilter matches cpu: ${name}`, () => checkFilterGrad("DepthwiseConv2dNativeBackpropFilter", c, true, 300 + i));
  test(`DepthwiseConv2dNativeBackpropInput matches cpu: ${name}`, () => checkInputGrad("DepthwiseConv2dNativeBackpropInput", c, true, 400 + i));
});

test("conv gradients reject NCHW with a message naming the layout", async () => {
  await tf.setBackend("wasm");
  tf.tidy(() => {
    const x = tf.zeros([1, 4, 6, 6]);
    const dy = tf.zeros([1, 4, 4, 4]);
    const attrs = { strides: 1, pad: "valid", dataFormat: "NCHW", filterShape: [3, 3, 4, 4] };
    assert.throws(() => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs), /takes NHWC tensors only, got dataFormat 'NCHW'/);
  });
});

interface PoolCase {
  f: number;
  stride: number;
  pad: Pad;
  h: number;
  shift?: number;
  /** Images and channels (3 and 6 unless given). */
  n?: number;
  c?: number;
}
const poolCases: PoolCase[] = [
  { f: 2, stride: 2, pad: "valid", h: 24 }, // the lecture's pool
  { f: 2, stride: 2, pad: "valid", h: 24, n: 13, c: 10 }, // the lecture's conv1 output, 13 images: parts of 6 + 6 + 1 on the kernel pool
  { f: 2, stride: 2, pad: "valid", h: 8, shift: -2 }, // every window's maximum < 0
  { f: 2, stride: 2, pad: "valid", h: 9 }, // last row and column in no window
  { f: 3, stride: 3, pad: "valid", h: 10 }, // last row and column in no window
  { f: 3, stride: 2, pad: "valid", h: 11 }, // overlapping windows
  { f: 3, stride: 1, pad: "same", h: 8 }, // overlapping and padded
  { f: 2, stride: 2, pad: "same", h: 9 },
  { f: 3, stride: 2, pad: 1, h: 10 },
];

poolCases.forEach((c, i) => {
  test(`MaxPoolGrad matches cpu on mixed-sign input: f ${c.f}, stride ${c.stride}, pad ${c.pad}, h ${c.h}, shift ${c.shift ?? 0}, ${c.n ?? 3} images of ${c.c ?? 6} channels`, async () => {
    const xShape = [c.n ?? 3, c.h, c.h, c.c ?? 6];
    const { outShape } = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], c.f, c.stride, 1, c.pad);
    const x = random(xShape, 500 + i);
    x.values.forEach((v, j) => (x.values[j] = v + (c.shift ?? 0)));
    const inputs = { dy: random(outShape, 600 + i), input: x, output: random(outShape, 0) };
    const attrs = { filterSize: c.f, strides: c.stride, pad: c.pad };
    assertClose("MaxPoolGrad", await runOn("wasm", "MaxPoolGrad", inputs, attrs), await runOn("cpu", "MaxPoolGrad", inputs, attrs));
  });
});

async function poolGrad(x: number[], xShape: number[], dy: number[], f: [number, number], stride: number): Promise<number[]> {
  const dyShape = [1, (xShape[1] - f[0]) / stride + 1, (xShape[2] - f[1]) / stride + 1, 1];
  const inputs = { dy: { values: new Float32Array(dy), shape: dyShape }, input: { values: new Float32Array(x), shape: xShape } };
  return Array.from((await runOn("wasm", "MaxPoolGrad", { ...inputs, output: inputs.dy }, { filterSize: f, strides: stride, pad: "valid" })).values);
}

test("MaxPoolGrad sends a window's gradient to its maximum when every value is negative", async () => {
  assert.deepEqual(await poolGrad([-3, -1, -2, -4], [1, 2, 2, 1], [5], [2, 2], 2), [0, 5, 0, 0]);
});

test("MaxPoolGrad sends a tied window's gradient to its first maximum only", async () => {
  assert.deepEqual(await poolGrad([0, 0, 0, 0], [1, 2, 2, 1], [7], [2, 2], 2), [7, 0, 0, 0]);
});

test("MaxPoolGrad sums the gradients of overlapping windows sharing a maximum", async () => {
  assert.deepEqual(await poolGrad([1, 3, 2], [1, 1, 3, 1], [10, 20], [1, 2], 1), [0, 30, 0]);
});

interface MatMulCase {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}
// nnlab's tiled kernel takes >= 4 output columns (tiles of 8 and 4, remainders through the column
// counts below) and batches that match or broadcast from 1; the shipped kernel the rest.
const matMulCases: MatMulCase[] = [
  { a: [64, 320], b: [10, 320], transposeA: false, transposeB: true }, // PyTorch's Linear forward
  { a: [64, 10], b: [64, 320], transposeA: true, transposeB: false }, // its weight gradient
  { a: [64, 784], b: [784, 512], transposeA: false, transposeB: false }, // nn.Linear(784, 512) forward, weight stored (in, out)
  { a: [64, 784], b: [64, 512], transposeA: true, transposeB: false }, // its weight gradient
  { a: [64, 256], b: [512, 256], transposeA: false, transposeB: true }, // nn.Linear(512, 256)'s input gradient: dot products of rows
  { a: [512, 256], b: [64, 256], transposeA: false, transposeB: true }, // the same product transposed
  { a: [64, 10], b: [64, 10], transposeA: false, transposeB: true }, // K = 10: a tail of 2 after whole vectors
  { a: [7, 3], b: [5, 3], transposeA: false, transposeB: true }, // K = 3: only the tail; 7 rows (a last single row), 5 = 4 + 1 columns
  { a: [3, 9, 6], b: [3, 130, 6], transposeA: false, transposeB: true }, // batched; 130 columns = 2 parts of 64 + 2
  { a: [2, 5, 8], b: [1, 4, 8], transposeA: false, transposeB: true }, // b broadcast over the batch, exactly 4 columns
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 6, 4], b: [2, 5, 6], transposeA: true, transposeB: true }, // batched
  { a: [3, 5, 9], b: [1, 9, 6], transposeA: false, transposeB: false }, // b broadcast over the batch
  { a: [1, 9, 5], b: [3, 9, 4], transposeA: true, transposeB: false }, // a broadcast over the batch
  { a: [4, 6], b: [6, 5], transposeA: false, transposeB: false },
  { a: [1, 3], b: [3, 130], transposeA: false, transposeB: false }, // one row; 130 columns = 2 parts of 64 + 2
  { a: [5, 600], b: [600, 12], transposeA: false, transposeB: false }, // K in blocks of 256, 12 = 8 + 4 columns
  { a: [6, 600], b: [600, 13], transposeA: false, transposeB: false }, // 13 columns: K in one pass
  { a: [5, 1], b: [1, 7], transposeA: false, transposeB: false }, // an outer product
  { a: [9, 11], b: [11, 2], transposeA: false, transposeB: false }, // 2 columns: the shipped kernel
];

matMulCases.forEach((c, i) => {
  const name = `${c.a} x ${c.b}, transposeA ${c.transposeA}, transposeB ${c.transposeB}`;
  const inputs = { a: random(c.a, 700 + i), b: random(c.b, 800 + i) };
  test(`BatchMatMul matches cpu: ${name}`, async () => {
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
    assertClose("BatchMatMul", await runOn("wasm", "BatchMatMul", inputs, attrs), await runOn("cpu", "BatchMatMul", inputs, attrs));
  });
  // The shipped wasm _FusedMatMul adds the bias wrongly when the batch is > 1 (also without
  // transposes; tf.fused.matMul on 2-D operands never meets it): only batch 1 is checked.
  if (c.a.length > 2) return;
  test(`_FusedMatMul with bias and relu matches cpu: ${name}`, async () => {
    // The fused kernels take rank-3 operands (tf.fused.matMul reshapes before calling them).
    const rank3 = (x: Input): Input => (x.shape.length === 3 ? x : { values: x.values, shape: [1, ...x.shape] });
    const columns = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
    const fused = { a: rank3(inputs.a), b: rank3(inputs.b), bias: random([columns], 900 + i) };
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB, activation: "relu" };
    assertClose("_FusedMatMul", await runOn("wasm", "_FusedMatMul", fused, attrs), await runOn("cpu", "_FusedMatMul", fused, attrs));
  });
});

// Add, Sub and Multiply run in nnlab's kernels for one shape, a scalar, or a row of the last axis
// (a bias), in either order where the op commutes; other broadcasts in the shipped kernels.
const binaryCases: [number[], number[]][] = [
  [[3, 5, 5, 10], [10]], // a conv's bias
  [[10], [4, 10]], // bias first
  [[4, 6], [1, 6]],
  [[2, 3, 5], [1, 1, 5]],
  [[64, 12, 12, 10], [64, 12, 12, 10]], // one shape
  [[7, 3], [7, 3]], // 21 values: a tail of 1
  [[5, 3], []], // a scalar
  [[], [6, 2]], // a scalar first
  [[4, 1], [4, 6]], // other broadcasts: the shipped kernel
];
for (const kernel of ["Add", "Sub", "Multiply"]) {
  binaryCases.forEach(([a, b], i) => {
    test(`${kernel} matches cpu: ${a} and ${b}`, async () => {
      const inputs = { a: random(a, 1000 + i), b: random(b, 1100 + i) };
      assertClose(kernel, await runOn("wasm", kernel, inputs, {}), await runOn("cpu", kernel, inputs, {}));
    });
  });
}

/** Equal values (NaN equal to NaN whatever its bits, -0 not equal to 0). */
function assertSameValues(got: Float32Array, want: Float32Array): void {
  assert.deepEqual(Array.from(got), Array.from(want));
}

/** Random values with NaN, -0, 0 and exact ties among them. */
function awkward(shape: number[], seed: number): Input {
  const x = random(shape, seed);
  [NaN, -0, 0, 0.5, 0.5, -Infinity].forEach((v, i) => (x.values[(i * 7) % x.values.length] = v));
  return x;
}

test("Relu matches cpu, NaN and -0 included", async () => {
  const inputs = { x: awkward([3, 7, 5], 1300) };
  assertSameValues((await runOn("wasm", "Relu", inputs, {})).values, (await runOn("cpu", "Relu", inputs, {})).values);
});

test("Step matches cpu, NaN included", async () => {
  const inputs = { x: awkward([3, 7, 5], 1301) };
  for (const alpha of [0, 0.25]) {
    assertSameValues((await runOn("wasm", "Step", inputs, { alpha })).values, (await runOn("cpu", "Step", inputs, { alpha })).values);
  }
});

// The 2x2 / stride 2 pool runs in nnlab's kernel (channel counts with and without a tail of 1-3,
// a last row and column in no window), other windows in the shipped kernel.
const maxPoolCases: { shape: number[]; f: number; stride: number; pad: Pad }[] = [
  { shape: [64, 24, 24, 10], f: 2, stride: 2, pad: "valid" }, // the lecture's
  { shape: [2, 9, 7, 3], f: 2, stride: 2, pad: "valid" },
  { shape: [1, 4, 4, 8], f: 2, stride: 2, pad: "valid" },
  { shape: [2, 7, 7, 5], f: 3, stride: 2, pad: 1 },
];
maxPoolCases.forEach((c, i) => {
  test(`MaxPool matches cpu: ${c.shape}, f ${c.f}, stride ${c.stride}, pad ${c.pad}, NaN included`, async () => {
    const inputs = { x: awkward(c.shape, 1400 + i) };
    const attrs = { filterSize: c.f, strides: c.stride, pad: c.pad };
    const [got, want] = [await runOn("wasm", "MaxPool", inputs, attrs), await runOn("cpu", "MaxPool", inputs, attrs)];
    assert.deepEqual(got.shape, want.shape);
    assertSameValues(got.values, want.values);
  });
});

const sumCases: [number[], number[], boolean][] = [
  [[3, 5, 5, 10], [0, 1, 2], false], // a conv's bias gradient
  [[3, 5, 5, 10], [2, 0, 1], true],
  [[600, 7], [0], false], // rows 4 at a time (28 = 7 * 4 columns): 150 groups
  [[2051, 5], [0], false], // 512 groups of 4 rows in 2 blocks of 256, then 3 rows
  [[1030, 6], [0], false], // 515 groups of 2 rows in 3 blocks
  [[300, 3, 5], [0], false],
  [[4, 5, 6], [1], false], // not leading axes: the shipped kernel
  [[4, 5], [0, 1], false], // all axes: the shipped kernel
];
sumCases.forEach(([shape, axis, keepDims], i) => {
  test(`Sum matches cpu: ${shape} over ${axis}, keepDims ${keepDims}`, async () => {
    const inputs = { x: random(shape, 1200 + i) };
    const attrs = { axis, keepDims };
    assertClose("Sum", await runOn("wasm", "Sum", inputs, attrs), await runOn("cpu", "Sum", inputs, attrs));
  });
});
