import { backend_util, Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convGeometry, inputGradPads, type ConvGradAttrs } from "./conv-geometry";
import { withScope } from "./scope";
import { convInputGrad, tiledConvFits } from "./tiled";

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
 * nnlab's tiled kernel when it fits (no dilation): each output pixel's dy . W^T added into the pixels
 * its taps read; the conv above (which multiplies padding: the lecture's conv2 1.9 ms against 0.6 ms)
 * for dilated filters.
 */
function conv2dBackpropInput(args: Args): TensorInfo {
  const { inputs: { dy, filter }, backend } = args;
  const info = convGeometry(Conv2DBackpropInput, args.attrs.inputShape, filter.shape, args.attrs, false);
  if (tiledConvFits(info, 4) && dy.dtype === "float32") {
    return convInputGrad(backend, dy, filter, info);
  }
  return inputGradByConv(args, info);
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
