import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { SGD_STEP, type SGDStepAttrs } from "../fused";
import { partRanges } from "./kernel-pool";
import { heapOffset, kernelPool } from "./simd";

/** Floats per part of a step: larger parameters are updated on the kernel pool's threads (the FC net's 784x512 weight: 0.45 -> 0.30 ms in a step). */
const PART = 32768;

/**
 * torch.optim.SGD's update of one parameter in one pass (simd/kernels.as), where the tf ops take 4
 * kernels and 4 passes over the parameter (mul, add, mul, sub: 0.6 ms of the FC net's 784x512
 * weight and ~35 us of dispatch each).
 */
function sgdStep({ inputs: { p, grad, buf }, backend, attrs }: { inputs: { p: TensorInfo; grad: TensorInfo; buf?: TensorInfo }; backend: BackendWasm; attrs: SGDStepAttrs }): TensorInfo[] {
  const pOut = backend.makeOutput(p.shape, "float32");
  const bufOut = attrs.momentum !== 0 ? backend.makeOutput(p.shape, "float32") : undefined;
  const at = (t: TensorInfo | undefined): number => (t === undefined ? 0 : heapOffset(backend, t.dataId));
  const n = p.shape.reduce((a, d) => a * d, 1);
  kernelPool(backend).run({
    fn: "sgdStep",
    args: [at(p), at(grad), at(buf), at(pOut), at(bufOut), 0, n, attrs.lr, attrs.momentum, 1 - attrs.dampening, attrs.weightDecay,
      attrs.nesterov ? 1 : 0, buf !== undefined ? 1 : 0],
    vary: [5, 6],
    parts: partRanges(n, PART),
  });
  return bufOut ? [pOut, bufOut] : [pOut];
}

export const sgdStepConfig: KernelConfig = { kernelName: SGD_STEP, backendName: "wasm", kernelFunc: sgdStep as unknown as KernelFunc };
