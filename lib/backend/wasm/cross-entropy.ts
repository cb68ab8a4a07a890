import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { CROSS_ENTROPY, type CrossEntropyAttrs } from "../fused";

/**
 * log_softmax, the target's term and the reduction, and the gradient, in one call: the tf ops take
 * ~22 kernels for the forward and backward pass of the lecture's loss (~0.7 ms of dispatch a step,
 * on (64, 10) values). Computed in float64 over the heap (640 values: no SIMD kernel needed).
 */
function crossEntropy({ inputs: { logits, target }, backend, attrs }: { inputs: { logits: TensorInfo; target: TensorInfo }; backend: BackendWasm; attrs: CrossEntropyAttrs }): TensorInfo[] {
  const [n, c] = logits.shape;
  const loss = backend.makeOutput(attrs.reduction === "none" ? [n] : [], "float32");
  const grad = backend.makeOutput([n, c], "float32");
  // Views made after the outputs: a heap growth replaces the buffer.
  const x = backend.typedArrayFromHeap(logits) as Float32Array;
  const t = backend.typedArrayFromHeap(target) as Int32Array;
  const [out, g] = [backend.typedArrayFromHeap(loss) as Float32Array, backend.typedArrayFromHeap(grad) as Float32Array];
  const scale = attrs.reduction === "mean" ? 1 / n : 1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x[row + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(x[row + j] - max);
    const logSum = Math.log(sum) + max;
    for (let j = 0; j < c; j++) g[row + j] = (Math.exp(x[row + j] - logSum) - (j === t[i] ? 1 : 0)) * scale;
    const li = logSum - x[row + t[i]];
    if (attrs.reduction === "none") out[i] = li;
    total += li;
  }
  if (attrs.reduction !== "none") out[0] = total * scale;
  return [loss, grad];
}

export const crossEntropyConfig: KernelConfig = { kernelName: CROSS_ENTROPY, backendName: "wasm", kernelFunc: crossEntropy as unknown as KernelFunc };
