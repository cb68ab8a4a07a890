/** `torch.nn.functional` (imported as F): stateless ops, with PyTorch's names in camelCase. */
import * as ops from "../ops";
import type { Tensor } from "../tensor/tensor";
import type { Pair } from "../ops/conv";

export { conv2d, linear, crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits, batchNorm } from "../ops";
export type { Conv2dOptions, Pool2dOptions, LossOptions, Reduction, BatchNormOptions } from "../ops";

export const relu = (x: Tensor): Tensor => ops.relu(x);
/** `F.softmax(x, 1)` or `F.softmax(x, { dim: 1 })`. */
export const softmax = (x: Tensor, dim: ops.DimArg): Tensor => ops.softmax(x, ops.dimArg(dim).dim);
export const logSoftmax = (x: Tensor, dim: ops.DimArg): Tensor => ops.logSoftmax(x, ops.dimArg(dim).dim);
export const sigmoid = (x: Tensor): Tensor => ops.sigmoid(x);
export const tanh = (x: Tensor): Tensor => ops.tanh(x);

/** `F.maxPool2d(x, 2)`, `F.maxPool2d(x, 3, 2)` (stride positionally) or `F.maxPool2d(x, 3, { stride: 2, padding: 1 })`. */
function poolOptions(opts: ops.Pool2dOptions | Pair): ops.Pool2dOptions {
  return typeof opts === "object" && !Array.isArray(opts) ? opts : { stride: opts };
}
export const maxPool2d = (x: Tensor, kernelSize: Pair, opts: ops.Pool2dOptions | Pair = {}): Tensor => ops.maxPool2d(x, kernelSize, poolOptions(opts));
export const avgPool2d = (x: Tensor, kernelSize: Pair, opts: ops.Pool2dOptions | Pair = {}): Tensor => ops.avgPool2d(x, kernelSize, poolOptions(opts));

/** `F.dropout(x, { p, training })`; PyTorch's functional default is training = true. */
export function dropout(x: Tensor, opts: { p?: number; training?: boolean } | number = {}): Tensor {
  const o = typeof opts === "number" ? { p: opts } : opts;
  return ops.dropout(x, o.p ?? 0.5, o.training ?? true);
}
