/**
 * PyTorch's reference numbers (tests/fixtures/torch_reference.json, see its README) and the
 * comparison every parity test goes through.
 */
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { torch, type Tensor } from "../../lib/index";

/** A tensor as the fixture stores it: flat row-major float64 values in PyTorch's layout. */
export interface Golden {
  shape: number[];
  data: number[];
}

type Pair = number | [number, number];

export interface ConvCase {
  stride: Pair; padding: Pair; dilation: Pair; groups: number; bias: boolean;
  x: Golden; weight: Golden; b: Golden | null; y: Golden; dy: Golden;
  dx: Golden; dweight: Golden; db: Golden | null;
}
export interface PoolCase {
  kind: "max" | "avg"; kernel_size: number; stride: number | null; padding: number;
  x: Golden; y: Golden; dy: Golden; dx: Golden;
}
export interface UnaryCase { x: Golden; y: Golden; dy: Golden; dx: Golden; }
export interface OptimCase { name: "sgd_momentum" | "sgd_nesterov_wd" | "adam"; p0: Golden; grads: Golden[]; p3: Golden; }
export type GradSummary =
  | { full: Golden }
  | { sum: number; norm: number; indices: number[]; values: number[] };
export interface NetCase {
  param_names: string[]; param_shapes: number[][]; logits: Golden; loss: number;
  grads: Record<string, GradSummary>; param_count: number;
}

export interface Reference {
  torch_version: string;
  seed: number;
  slides: {
    input: Golden; kernel: Golden; pool_input: Golden;
    valid: Golden; padding1: Golden; stride2: Golden; maxpool2: Golden;
    shapes: { input: number[]; output: number[]; weight: number[] };
    printed: { padding1: string; stride2: string; maxpool2: string; shapes: string };
  };
  conv2d: ConvCase[];
  pool2d: PoolCase[];
  linear: { x: Golden; weight: Golden; b: Golden; y: Golden; dy: Golden; dx: Golden; dweight: Golden; db: Golden };
  /** relu, sigmoid, tanh, softmax, log_softmax, leaky_relu, ...: one per unary op. */
  activations: Record<string, UnaryCase>;
  cross_entropy: { logits: Golden; target: number[]; loss: number; dlogits: Golden };
  mse: { pred: Golden; target: Golden; loss: number; dpred: Golden };
  bce_with_logits: { logits: Golden; target: number[]; loss: number; dlogits: Golden };
  optim: OptimCase[];
  nets: { rule: string; cnn: NetCase; fc: NetCase };
}

// Compiled to dist/tests/helpers; the fixture stays in the source tree.
const FIXTURE = path.join(__dirname, "../../../tests/fixtures/torch_reference.json");

let cached: Reference | undefined;

export function loadReference(): Reference {
  cached ??= JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Reference;
  return cached;
}

/** A float32 tensor from a fixture tensor; a leaf, requiring grad when asked. */
export function toTensor(g: Golden, requiresGrad = false): Tensor {
  const t = torch.tensor(Float32Array.from(g.data)).view(g.shape);
  return requiresGrad ? t.requiresGrad_(true) : t;
}

/** What a comparison reads: a tensor (shape checked too), plain numbers, or one number. */
export type Actual = Tensor | ArrayLike<number> | number;
export type Expected = Golden | readonly number[] | number;

function values(a: Actual): ArrayLike<number> {
  if (typeof a === "number") return [a];
  return torch.isTensor(a) ? a.dataSync() : a;
}

function expectedValues(e: Expected): { shape: number[] | null; data: readonly number[] } {
  if (typeof e === "number") return { shape: null, data: [e] };
  return Array.isArray(e) ? { shape: null, data: e as readonly number[] } : { shape: (e as Golden).shape, data: (e as Golden).data };
}

/**
 * Asserts |a - e| <= atol + rtol·|e| element-wise, where atol = rtol/10 · `scale` and `scale`
 * defaults to the largest |e|: an entry near zero is judged against the size of its tensor
 * (float32 rounding is relative to the operands, not to a result that cancels out). Reports the
 * worst entry. A Tensor's shape must equal the expected one.
 */
export function expectClose(actual: Actual, expected: Expected, what: string, rtol = 1e-4, scale?: number): void {
  const exp = expectedValues(expected);
  if (exp.shape && typeof actual !== "number" && torch.isTensor(actual)) {
    assert.deepEqual([...actual.shape], exp.shape, `${what}: shape`);
  }
  const got = values(actual);
  assert.equal(got.length, exp.data.length, `${what}: number of values`);
  let maxAbs = 0;
  for (const v of exp.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const atol = (rtol / 10) * (scale ?? maxAbs);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - exp.data[i]);
    const excess = err - (atol + rtol * Math.abs(exp.data[i]));
    if (!(excess <= worstExcess)) { // NaN counts as a failure
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    const e = exp.data[worst];
    const a = got[worst];
    assert.fail(`${what}: value ${worst} is ${a}, PyTorch gives ${e} (|diff| ${Math.abs(a - e).toExponential(2)} > ` +
      `atol ${atol.toExponential(2)} + rtol ${rtol} * |e|)`);
  }
}
