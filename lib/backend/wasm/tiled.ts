/**
 * Convolutions, their gradients and matrix products on nnlab's tiled SIMD kernels (simd/gemm.as),
 * which read every operand where it lies: no im2col buffer, no transposed or packed weights. Each
 * runs as parts (rows, images or filter rows, fixed by the shapes) on the kernel pool's threads.
 */
import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelScope, withScope } from "./scope";
import { partRanges as ranges } from "./kernel-pool";
import { heapOffset, kernelPool, simdKernels } from "./simd";

/** Whether the tiled kernels take this conv: NHWC, no dilation, and the 4 columns a tile needs. */
export function tiledConvFits(info: backend_util.Conv2DInfo, columns: number): boolean {
  return info.dataFormat === "channelsLast" && info.dilationHeight === 1 && info.dilationWidth === 1 && columns >= 4;
}

/** x (N, H, W, C) with the conv's zero padding around each image (x itself when there is none). */
function padded(s: KernelScope, x: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { top, bottom, left, right } = info.padInfo;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return s.run("PadV2", { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
}

/** Parts per job: enough for two threads to even out, few enough that a part outweighs claiming it. */
const PARTS = 16;

function pointer(backend: BackendWasm): (t: TensorInfo) => number {
  return (t) => heapOffset(backend, t.dataId);
}

/** y (N, OH, OW, Cout) = conv(x, filter) (+ bias) (ReLU), filter (KH, KW, Cin, Cout). */
export function convForward(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, relu: boolean,
  info: backend_util.Conv2DInfo): TensorInfo {
  return withScope(backend, (s) => {
    const xIn = padded(s, x, info);
    const y = s.keep(backend.makeOutput(info.outShape, "float32"));
    const at = pointer(backend);
    const rows = info.batchSize * info.outHeight;
    kernelPool(backend).run({
      fn: "convForward",
      args: [at(xIn), at(filter), bias ? at(bias) : 0, at(y), xIn.shape[1], xIn.shape[2], info.inChannels, info.outHeight, info.outWidth,
        info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, relu ? 1 : 0, 0, rows, 0, info.outChannels],
      vary: [15, 16],
      parts: ranges(rows, Math.ceil(rows / PARTS)),
    });
    return y;
  });
}

/** dW (KH, KW, Cin, Cout): a partial sum per part of the batch (about 1024 output pixels), then the parts added in order. */
export function convFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const k = kh * kw * cin;
  return withScope(backend, (s) => {
    const xIn = padded(s, x, info);
    const dw = s.keep(backend.makeOutput([kh, kw, cin, cout], "float32"));
    const batches = ranges(info.batchSize, Math.ceil(1024 / (info.outHeight * info.outWidth)));
    const sums = batches.length === 1 ? dw : s.own(backend.makeOutput([batches.length, k * cout], "float32"));
    const at = pointer(backend);
    kernelPool(backend).run({
      fn: "convFilterGrad",
      args: [at(xIn), at(dy), at(sums), xIn.shape[1], xIn.shape[2], cin, info.outHeight, info.outWidth, cout,
        kh, kw, info.strideHeight, info.strideWidth, 0, info.batchSize, 0, k, 0, cout],
      vary: [2, 13, 14],
      parts: batches.map(([b0, b1], i) => [at(sums) + 4 * i * k * cout, b0, b1]),
    });
    if (sums !== dw) {
      const block = s.own(backend.makeOutput([8 * k * cout], "float32"));
      simdKernels(backend).sumRows(at(sums), at(dw), at(block), batches.length, k * cout);
    }
    return dw;
  });
}

/** dx (N, H, W, Cin) from dy (N, OH, OW, Cout) and filter (KH, KW, Cin, Cout), in parts of 8 images. */
export function convInputGrad(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { top, bottom, left, right } = info.padInfo;
  const [hp, wp] = [info.inHeight + top + bottom, info.inWidth + left + right];
  const k = kh * kw * cin;
  return withScope(backend, (s) => {
    const at = pointer(backend);
    // (Cout, KH*KW*Cin), and the 3 floats past its end that a last 4-column tile reads.
    const wT = s.own(backend.makeOutput([cout * k + 3], "float32"));
    simdKernels(backend).transpose(at(filter), at(wT), k, cout);
    const dx = backend.makeOutput([info.batchSize, hp, wp, cin], "float32");
    kernelPool(backend).run({
      fn: "convInputGrad",
      args: [at(dy), at(wT), at(dx), hp, wp, cin, info.outHeight, info.outWidth, cout, kh, kw, info.strideHeight, info.strideWidth, 0, info.batchSize],
      vary: [13, 14],
      parts: ranges(info.batchSize, 8),
    });
    if (hp === info.inHeight && wp === info.inWidth) return dx;
    s.own(dx);
    return s.run("Slice", { x: dx }, { begin: [0, top, left, 0], size: [info.batchSize, info.inHeight, info.inWidth, cin] });
  });
}

/**
 * c (M, N) = a (M, K) . b (+ bias (N)) (ReLU), all row-major, in parts of 64 columns: b is (K, N),
 * or with `transposedB` (N, K) and read as its transpose (dot products of rows, nothing transposed
 * first: nn.Linear's input gradient against its weight stored (in, out)). aAt, bAt, cAt: float
 * offsets of the operands in their tensors (one matrix of a batch).
 */
export function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposedB: boolean, bias: TensorInfo | null, relu: boolean,
  aAt: number, bAt: number, c: TensorInfo, cAt: number): void {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - (transposedB ? 2 : 1)];
  const at = pointer(backend);
  kernelPool(backend).run({
    fn: transposedB ? "matMulTransposedB" : "matMul",
    args: [at(a) + 4 * aAt, at(b) + 4 * bAt, bias ? at(bias) : 0, at(c) + 4 * cAt, m, k, n, relu ? 1 : 0, 0, n],
    vary: [8, 9],
    parts: ranges(n, 64, 4),
  });
}

/** c (K, N) = a (M, K)^T . b (M, N): the filter gradient of that 1x1 conv, without transposing a; parts of 64 rows of c. */
export function matMulTransposedA(backend: BackendWasm, a: TensorInfo, b: TensorInfo, aAt: number, bAt: number, c: TensorInfo, cAt: number): void {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const at = pointer(backend);
  kernelPool(backend).run({
    fn: "convFilterGrad",
    args: [at(a) + 4 * aAt, at(b) + 4 * bAt, at(c) + 4 * cAt, 1, m, k, 1, m, n, 1, 1, 1, 1, 0, 1, 0, k, 0, n],
    vary: [15, 16],
    parts: ranges(k, 64),
  });
}
