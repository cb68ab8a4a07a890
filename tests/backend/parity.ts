// Helpers for the backend tests: run one kernel on a named backend and compare with another.
import * as tf from "@tensorflow/tfjs-core";

export type Shape = number[];
export interface Input {
  values: Float32Array;
  shape: Shape;
}

/** Deterministic uniform values in [-1, 1) (mulberry32), so a failure can be replayed. */
export function random(shape: Shape, seed: number): Input {
  let a = seed >>> 0;
  const values = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < values.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return { values, shape };
}

export interface KernelRun {
  values: Float32Array;
  shape: Shape;
  /** Engine tensors and backend buffers left behind by the kernel, its output excluded. */
  leakedTensors: number;
  leakedBuffers: number;
}

/** Runs `kernel` on `backend` with fresh tensors made from `inputs`; disposes everything it made. */
export async function runOn(backend: string, kernel: string, inputs: Record<string, Input>, attrs: object): Promise<KernelRun> {
  return runWith(backend, inputs, (tensors) => tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor);
}

/** Like runOn, for a kernel function called directly (one route of a kernel). */
export async function runDirect(inputs: Record<string, Input>, fn: (tensors: Record<string, tf.TensorInfo>, backend: tf.KernelBackend) => tf.TensorInfo): Promise<KernelRun> {
  return runWith("wasm", inputs, (tensors) => tf.engine().makeTensorFromTensorInfo(fn(tensors, tf.backend())));
}

async function runWith(backend: string, inputs: Record<string, Input>, body: (tensors: Record<string, tf.Tensor>) => tf.Tensor): Promise<KernelRun> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape, "float32");
  const before = tf.memory();
  const out = body(tensors);
  const after = tf.memory();
  const values = (await out.data()) as Float32Array;
  const run = {
    values,
    shape: out.shape,
    leakedTensors: after.numTensors - before.numTensors - 1,
    leakedBuffers: after.numDataBuffers - before.numDataBuffers - 1,
  };
  tf.dispose([out, ...Object.values(tensors)]);
  return run;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Filter (KH, KW, I, O) with d-1 zero rows/columns between taps: a dilated conv as a plain one. */
export function dilateFilter(f: Input, d: number): Input {
  const [kh, kw, i, o] = f.shape;
  const [eh, ew] = [(kh - 1) * d + 1, (kw - 1) * d + 1];
  const values = new Float32Array(eh * ew * i * o);
  const tap = i * o;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) values.set(f.values.subarray((y * kw + x) * tap, (y * kw + x + 1) * tap), (y * d * ew + x * d) * tap);
  return { values, shape: [eh, ew, i, o] };
}

/** Inverse of dilateFilter: the taps at multiples of d. */
export function sampleFilter(f: Input, d: number): Input {
  const [eh, ew, i, o] = f.shape;
  const [kh, kw] = [(eh - 1) / d + 1, (ew - 1) / d + 1];
  const values = new Float32Array(kh * kw * i * o);
  const tap = i * o;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) values.set(f.values.subarray((y * d * ew + x * d) * tap, (y * d * ew + x * d + 1) * tap), (y * kw + x) * tap);
  return { values, shape: [kh, kw, i, o] };
}
