/** `torch.nn.functional` (imported as F): stateless ops, with PyTorch's names in camelCase. */
export {
  conv2d, linear, relu, leakyRelu, sigmoid, tanh, softmax, logSoftmax, maxPool2d, avgPool2d, dropout, batchNorm,
  crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits,
} from "../ops";
export type { Conv2dOptions, Pool2dOptions, LossOptions, Reduction, BatchNormOptions } from "../ops";
