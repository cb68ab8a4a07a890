import { getKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { withScope } from "./scope";

type MatMulArgs = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap & { transposeA?: boolean; transposeB?: boolean } };

/**
 * The shipped wasm BatchMatMul and _FusedMatMul run 4-15x slower with transposeA / transposeB than on
 * operands turned by the Transpose kernel first (64x320 . (10x320)^T: 0.29 vs 0.07 ms;
 * 4096x20 . (250x20)^T: 22 vs 2 ms), and PyTorch's Linear multiplies by W^T.
 */
function explicitTransposes(shipped: KernelConfig): KernelConfig {
  const kernelFunc = (args: MatMulArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    if (attrs.transposeA !== true && attrs.transposeB !== true) return shipped.kernelFunc(args as never) as TensorInfo;
    return withScope(backend, (s) => {
      const swapLast = (t: TensorInfo): TensorInfo => {
        const perm = t.shape.map((_, i) => i);
        perm.splice(-2, 2, perm.length - 1, perm.length - 2);
        return s.transpose(t, perm);
      };
      const a = attrs.transposeA === true ? swapLast(inputs["a"]) : inputs["a"];
      const b = attrs.transposeB === true ? swapLast(inputs["b"]) : inputs["b"];
      const plain = { ...attrs, transposeA: false, transposeB: false };
      return shipped.kernelFunc({ inputs: { ...inputs, a, b }, backend, attrs: plain } as never) as TensorInfo;
    });
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as KernelFunc };
}

// Taken while the registry still holds the shipped kernels (this module loads before any replacement).
export const batchMatMulConfig = explicitTransposes(getKernel("BatchMatMul", "wasm"));
export const fusedMatMulConfig = explicitTransposes(getKernel("_FusedMatMul", "wasm"));
