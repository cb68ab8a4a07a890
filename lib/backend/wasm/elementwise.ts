import { Add, getKernel, Multiply, Relu, Step, Sub, Sum, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOffset, simdKernels } from "./simd";

// Element-wise ops of float32 tensors in nnlab's SIMD kernels (simd/elementwise.as), where the
// shipped ones make an XNNPACK operator per call (40-110 us for a 92k-value activation against
// 10-20 us) or take a slow path (a conv's bias: (64, 24, 24, 10) + (10) 1.3 ms); and the sum over
// leading axes (a bias gradient: 1.1 ms in the shipped Sum). Other cases go to the shipped kernels.

type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap };

const OP = { [Add]: 0, [Sub]: 1, [Multiply]: 2 } as const;

function at(backend: BackendWasm, t: TensorInfo): number {
  return heapOffset(backend, t.dataId);
}

/** a op b where both are float32 and b has a's shape, is a scalar, or is one row of a's last axis (a bias). */
function binary(kernelName: typeof Add | typeof Sub | typeof Multiply): KernelConfig {
  const shipped = getKernel(kernelName, "wasm");
  const op = OP[kernelName];
  const kernelFunc = (args: Args): TensorInfo => {
    const { inputs: { a, b }, backend } = args;
    if (a.dtype !== "float32" || b.dtype !== "float32") return shipped.kernelFunc(args as never) as TensorInfo;
    // Add and Multiply commute: the bias or scalar may come first.
    const [x, y] = op !== OP[Sub] && util.sizeFromShape(a.shape) < util.sizeFromShape(b.shape) ? [b, a] : [a, b];
    const n = util.sizeFromShape(x.shape);
    const c = x.shape[x.shape.length - 1];
    const size = util.sizeFromShape(y.shape);
    const kernels = simdKernels(backend);
    if (size === 1 && y.shape.length <= x.shape.length) {
      const out = backend.makeOutput(x.shape, "float32");
      kernels.binaryScalar(op, at(backend, x), (backend.typedArrayFromHeap(y) as Float32Array)[0], at(backend, out), n);
      return out;
    }
    const sameShape = util.arraysEqual(x.shape, y.shape);
    const row = x.shape.length >= 2 && y.shape.length <= x.shape.length && y.shape[y.shape.length - 1] === c && size === c;
    if (!sameShape && !row) return shipped.kernelFunc(args as never) as TensorInfo;
    const out = backend.makeOutput(x.shape, "float32");
    kernels.binaryRows(op, at(backend, x), at(backend, y), at(backend, out), sameShape ? 1 : n / c, sameShape ? n : c);
    return out;
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as KernelFunc };
}

function unary(kernelName: typeof Relu | typeof Step, run: (backend: BackendWasm, x: TensorInfo, out: TensorInfo, attrs: NamedAttrMap) => void): KernelConfig {
  const shipped = getKernel(kernelName, "wasm");
  const kernelFunc = (args: Args): TensorInfo => {
    const { inputs: { x }, backend, attrs } = args;
    if (x.dtype !== "float32") return shipped.kernelFunc(args as never) as TensorInfo;
    const out = backend.makeOutput(x.shape, "float32");
    run(backend, x, out, attrs);
    return out;
  };
  return { ...shipped, kernelFunc: kernelFunc as unknown as KernelFunc };
}

const shippedSum = getKernel(Sum, "wasm");

function sum(args: Args): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const axes = util.parseAxisParam(attrs["axis"] as number | number[], x.shape).sort((p, q) => p - q);
  const k = axes.length;
  const leading = k >= 1 && k < x.shape.length && axes.every((axis, i) => axis === i);
  if (!leading || x.dtype !== "float32") return shippedSum.kernelFunc(args as never) as TensorInfo;
  const kept = x.shape.slice(k);
  const c = util.sizeFromShape(kept);
  const out = backend.makeOutput(attrs["keepDims"] === true ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept, "float32");
  const block = backend.makeOutput([8 * c], "float32");
  simdKernels(backend).sumRows(at(backend, x), at(backend, out), at(backend, block), util.sizeFromShape(x.shape) / c, c);
  backend.disposeData(block.dataId);
  return out;
}

export const elementwiseConfigs: KernelConfig[] = [
  binary(Add),
  binary(Sub),
  binary(Multiply),
  unary(Relu, (backend, x, out) => simdKernels(backend).relu(at(backend, x), at(backend, out), util.sizeFromShape(x.shape))),
  unary(Step, (backend, x, out, attrs) => simdKernels(backend).step(at(backend, x), at(backend, out), util.sizeFromShape(x.shape), attrs["alpha"] as number)),
  { ...shippedSum, kernelFunc: sum as unknown as KernelFunc },
];
