import { getKernel, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOffset, simdKernels } from "./simd";

// Adding a bias and its gradient, the sum over all but the channel axis, take slow paths in the shipped
// wasm Add / Sum: (64, 24, 24, 10) + (10): 1.3 ms, sum over axes [0, 1, 2]: 1.1 ms (one thread).
// These two cases run in nnlab's SIMD kernels; everything else goes to the shipped kernels.

type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap };

const shippedAdd = getKernel("Add", "wasm");
const shippedSum = getKernel("Sum", "wasm");

/** x (..., C) and a bias whose shape is (C) or (1, ..., 1, C), in either order; undefined otherwise. */
function biasOperands(a: TensorInfo, b: TensorInfo): { x: TensorInfo; bias: TensorInfo } | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  for (const [x, bias] of [[a, b], [b, a]]) {
    const c = x.shape[x.shape.length - 1];
    const fits = x.shape.length >= 2 && bias.shape.length <= x.shape.length && bias.shape[bias.shape.length - 1] === c;
    if (fits && util.sizeFromShape(bias.shape) === c) return { x, bias };
  }
  return undefined;
}

function add(args: Args): TensorInfo {
  const { inputs, backend } = args;
  const operands = biasOperands(inputs["a"], inputs["b"]);
  if (operands === undefined) return shippedAdd.kernelFunc(args as never) as TensorInfo;
  const { x, bias } = operands;
  const c = x.shape[x.shape.length - 1];
  const out = backend.makeOutput(x.shape, "float32");
  const at = (t: TensorInfo): number => heapOffset(backend, t.dataId);
  simdKernels(backend).addBias(at(x), at(bias), at(out), util.sizeFromShape(x.shape) / c, c);
  return out;
}

function sum(args: Args): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const axes = util.parseAxisParam(attrs["axis"] as number | number[], x.shape).sort((p, q) => p - q);
  const k = axes.length;
  const leading = k >= 1 && k < x.shape.length && axes.every((axis, i) => axis === i);
  if (!leading || x.dtype !== "float32") return shippedSum.kernelFunc(args as never) as TensorInfo;
  const kept = x.shape.slice(k);
  const c = util.sizeFromShape(kept);
  const out = backend.makeOutput(attrs["keepDims"] === true ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept, "float32");
  const block = backend.makeOutput([c], "float32");
  const at = (t: TensorInfo): number => heapOffset(backend, t.dataId);
  simdKernels(backend).sumRows(at(x), at(out), at(block), util.sizeFromShape(x.shape) / c, c);
  backend.disposeData(block.dataId);
  return out;
}

export const addConfig: KernelConfig = { ...shippedAdd, kernelFunc: add as unknown as KernelFunc };
export const sumConfig: KernelConfig = { ...shippedSum, kernelFunc: sum as unknown as KernelFunc };
