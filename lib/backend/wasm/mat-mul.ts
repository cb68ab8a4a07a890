import { broadcast_util, getKernel, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { withScope, type KernelScope } from "./scope";
import { matMul, matMulTransposedA } from "./tiled";

type MatMulArgs = {
  inputs: Record<string, TensorInfo | undefined>;
  backend: BackendWasm;
  attrs: NamedAttrMap & { transposeA?: boolean; transposeB?: boolean; activation?: string };
};

/** Swaps the last two axes with the Transpose kernel. */
function swapLast(s: KernelScope, t: TensorInfo): TensorInfo {
  const perm = t.shape.map((_, i) => i);
  perm.splice(-2, 2, perm.length - 1, perm.length - 2);
  return s.transpose(t, perm);
}

/**
 * BatchMatMul and _FusedMatMul on nnlab's tiled kernel, which reads a row-major B as it lies: the
 * shipped XNNPACK kernel repacks B on every call (the 784x512 weight of the lecture's FC net: 2.5 ms
 * a step). a^T . b runs as a filter gradient and a . b^T as dot products of rows (no transpose:
 * nn.Linear's input gradient against its weight stored (in, out)); with both flags b^T is
 * transposed first. The shipped kernel, with operands transposed by the
 * Transpose kernel first (its transposeA / transposeB paths run 4-15x slower), takes what the
 * tiled kernel does not: fewer than 4 output columns, batches that broadcast other than from 1,
 * activations other than ReLU, and a fused bias on a^T . b.
 */
function tiledMatMul(shipped: KernelConfig): KernelFunc {
  return ((args: MatMulArgs): TensorInfo => {
    const { inputs: { a, b, bias, preluActivationWeights }, backend, attrs } = args;
    const [ta, tb] = [attrs.transposeA === true, attrs.transposeB === true];
    const activation = attrs.activation ?? "linear";
    const [ra, rb] = [a!.shape.length, b!.shape.length];
    const [m, k] = ta ? [a!.shape[ra - 1], a!.shape[ra - 2]] : [a!.shape[ra - 2], a!.shape[ra - 1]];
    const n = tb ? b!.shape[rb - 2] : b!.shape[rb - 1];
    const [batchA, batchB] = [util.sizeFromShape(a!.shape.slice(0, -2)), util.sizeFromShape(b!.shape.slice(0, -2))];
    const fits = a!.dtype === "float32" && b!.dtype === "float32" && n >= 4 && preluActivationWeights === undefined &&
      (batchA === batchB || batchA === 1 || batchB === 1) && (activation === "linear" || activation === "relu") &&
      (bias === undefined || (!ta && util.sizeFromShape(bias.shape) === n && bias.shape[bias.shape.length - 1] === n));
    if (!fits) return withExplicitTransposes(shipped, args);
    const outShape = [...broadcast_util.assertAndGetBroadcastShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2)), m, n];
    return withScope(backend, (s) => {
      const bIn = tb && ta ? swapLast(s, b!) : b!;
      const c = s.keep(backend.makeOutput(outShape, "float32"));
      for (let i = 0; i < Math.max(batchA, batchB); i++) {
        const [aAt, bAt, cAt] = [batchA === 1 ? 0 : i * m * k, batchB === 1 ? 0 : i * k * n, i * m * n];
        if (ta) matMulTransposedA(backend, a!, bIn, aAt, bAt, c, cAt);
        else matMul(backend, a!, bIn, tb, bias ?? null, activation === "relu", aAt, bAt, c, cAt);
      }
      return c;
    });
  }) as unknown as KernelFunc;
}

/** The shipped kernel on operands turned by the Transpose kernel (its own transposed paths are 4-15x slower). */
function withExplicitTransposes(shipped: KernelConfig, args: MatMulArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (attrs.transposeA !== true && attrs.transposeB !== true) return shipped.kernelFunc(args as never) as TensorInfo;
  return withScope(backend, (s) => {
    const a = attrs.transposeA === true ? swapLast(s, inputs["a"]!) : inputs["a"];
    const b = attrs.transposeB === true ? swapLast(s, inputs["b"]!) : inputs["b"];
    const plain = { ...attrs, transposeA: false, transposeB: false };
    return shipped.kernelFunc({ inputs: { ...inputs, a, b }, backend, attrs: plain } as never) as TensorInfo;
  });
}

// Taken while the registry still holds the shipped kernels (this module loads before any replacement).
const shippedBatchMatMul = getKernel("BatchMatMul", "wasm");
const shippedFusedMatMul = getKernel("_FusedMatMul", "wasm");
export const batchMatMulConfig: KernelConfig = { ...shippedBatchMatMul, kernelFunc: tiledMatMul(shippedBatchMatMul) };
export const fusedMatMulConfig: KernelConfig = { ...shippedFusedMatMul, kernelFunc: tiledMatMul(shippedFusedMatMul) };
