import { backend_util, getKernel, MaxPool, MaxPoolGrad, type KernelConfig, type KernelFunc, type MaxPoolAttrs, type MaxPoolGradAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { partRanges } from "./kernel-pool";
import { heapOffset, kernelPool } from "./simd";

/**
 * Floats of input per part of a pool or its gradient on the kernel pool's threads (whole images):
 * the lecture's conv1 output (64 x 24 x 24 x 10) makes 11 parts.
 */
const PART_FLOATS = 32768;

/** Parts of whole images of a batch of `info`'s input. */
function imageParts(info: backend_util.Conv2DInfo): [number, number][] {
  const perImage = info.inHeight * info.inWidth * info.inChannels;
  return partRanges(info.batchSize, Math.max(1, Math.ceil(PART_FLOATS / perImage)));
}

/** The windows nnlab's SIMD kernels take: 2x2 at stride 2 without padding (the lecture's pool). */
function tiled2x2(info: backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && 2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth;
}

function poolInfo(x: TensorInfo, attrs: MaxPoolAttrs | MaxPoolGradAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

const shippedMaxPool = getKernel(MaxPool, "wasm");

/**
 * The 2x2 / stride 2 pool in nnlab's SIMD kernel (XNNPACK's: 0.22 ms for the lecture's conv1 output,
 * an operator made per call), NaNs passed over as by the cpu backend and MaxPoolGrad below.
 */
function maxPool(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: MaxPoolAttrs }): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const info = poolInfo(x, attrs);
  if (x.dtype !== "float32" || !tiled2x2(info)) return shippedMaxPool.kernelFunc(args as never) as TensorInfo;
  const y = backend.makeOutput(info.outShape, "float32");
  kernelPool(backend).run({
    fn: "maxPool2x2",
    args: [heapOffset(backend, x.dataId), heapOffset(backend, y.dataId), 0, info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth],
    vary: [2, 3],
    parts: imageParts(info),
  });
  return y;
}

export const maxPoolConfig: KernelConfig = { ...shippedMaxPool, kernelFunc: maxPool as unknown as KernelFunc };

export class MaxPoolGradDtypeError extends Error {
  constructor(dtype: string) {
    super(`MaxPoolGrad on the wasm backend takes float32 input, got ${dtype}: cast the input to float32`);
    this.name = "MaxPoolGradDtypeError";
  }
}

/**
 * Routes dy to the first maximum of each window (the cpu backend's and PyTorch's rule), summing where
 * windows overlap: the shipped kernel starts its running maximum at the smallest positive float, so
 * windows whose maximum is <= 0 sent their gradient to element 0. The 2x2 / stride 2 pool runs in
 * nnlab's SIMD kernel (~10x a JS loop); other windows in a JS loop over the wasm heap.
 */
function maxPoolGrad(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  if (input.dtype !== "float32") throw new MaxPoolGradDtypeError(input.dtype);
  const info = poolInfo(input, attrs);
  const dx = backend.makeOutput(input.shape, "float32");
  // The view is made after makeOutput: a heap growth replaces the buffer.
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  if (tiled2x2(info)) {
    if (2 * oh < h || 2 * ow < w) out.fill(0); // a last row or column in no window
    const at = (t: TensorInfo): number => heapOffset(backend, t.dataId);
    kernelPool(backend).run({
      fn: "maxPoolGrad2x2",
      args: [at(input), at(dy), at(dx), 0, info.batchSize, h, w, info.inChannels, oh, ow],
      vary: [3, 4],
      parts: imageParts(info),
    });
  } else {
    routeToFirstMax(backend.typedArrayFromHeap(input) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array, out, info);
  }
  return dx;
}

/** NHWC loops; channels innermost so every read is sequential. */
function routeToFirstMax(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  dx.fill(0);
  let dyAt = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++, dyAt += c) {
        const w0 = ow * strideWidth - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = 0; kh < fh; kh += dilationHeight) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < fw; kw += dilationWidth) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const at = ((image + ih) * inWidth + iw) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[at + ch];
              if (v > best[ch]) {
                best[ch] = v;
                where[ch] = at + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) if (where[ch] >= 0) dx[where[ch]] += dy[dyAt + ch];
      }
    }
  }
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
