import { backend_util, Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convGeometry, inputGradPads, type ConvGradAttrs } from "./conv-geometry";
import { withScope } from "./scope";
import { heapOffset, simdKernels } from "./simd";

type Args = { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { inputShape: number[] } };

/**
 * dx = dy (zero-inserted for stride > 1) convolved at stride 1 with the filter flipped in space and
 * with in/out channels swapped. That conv also multiplies the padding: (H*W) / (OH*OW) times the
 * useful work (2.25x for the lecture's conv2, more with strides).
 */
export function inputGradByConv({ inputs: { dy, filter }, backend }: Args, info: backend_util.Conv2DInfo): TensorInfo {
  return withScope(backend, (s) => {
    const flipped = s.transpose(s.run("Reverse", { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // (KH, KW, Cout, Cin)
    const spread = s.zeroInsert(dy, info.strideHeight, info.strideWidth);
    const { x: dyIn, pad } = s.cropForPads(spread, inputGradPads(info));
    return s.run("Conv2D", { x: dyIn, filter: flipped }, {
      strides: [1, 1],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad,
      dataFormat: "NHWC",
    }); // (N, H, W, Cin)
  });
}

/**
 * dx = col2im(dy . W^T): one GEMM (N*OH*OW, Cout) x (Cout, KH*KW*Cin) that does only the useful
 * work, then nnlab's SIMD col2im adds every column into the pixels its taps read.
 */
export function inputGradByGemm({ inputs: { dy, filter }, backend }: Args, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  return withScope(backend, (s) => {
    const wT = s.transpose(s.reshape(filter, [kh * kw * c, info.outChannels]), [1, 0]); // (Cout, KH*KW*Cin)
    const cols = s.run("BatchMatMul", { a: s.reshape(dy, [1, n * oh * ow, info.outChannels]), b: s.reshape(wT, [1, info.outChannels, kh * kw * c]) }, {
      transposeA: false,
      transposeB: false,
    }); // (1, N*OH*OW, KH*KW*Cin)
    const dx = s.run("Fill", {}, { shape: [n, h, w, c], value: 0, dtype: "float32" });
    const at = (t: TensorInfo): number => heapOffset(backend, t.dataId);
    simdKernels(backend).col2im(at(cols), at(dx), n, h, w, c, oh, ow, kh, kw,
      info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left);
    return dx;
  });
}

/** Largest column matrix (floats) the GEMM route may allocate: 64 MB. */
const maxColumns = 2 ** 24;

/**
 * The GEMM route wins when the conv route would mostly multiply padding (lecture conv2 0.6 vs 1.9 ms,
 * 3x3 stride 2 0.8 vs 3.4 ms, 3x3 valid 16->14: 2.6 vs 3.3 ms); with 'same' padding at stride 1 the
 * conv route is faster (1.7 vs 2.2 ms).
 */
function conv2dBackpropInput(args: Args): TensorInfo {
  const info = convGeometry(Conv2DBackpropInput, args.attrs.inputShape, args.inputs.filter.shape, args.attrs, false);
  const outPixels = info.batchSize * info.outHeight * info.outWidth;
  const columns = outPixels * info.filterHeight * info.filterWidth * info.inChannels;
  const paddingHeavy = info.inHeight * info.inWidth >= 1.25 * info.outHeight * info.outWidth;
  return paddingHeavy && columns <= maxColumns ? inputGradByGemm(args, info) : inputGradByConv(args, info);
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
