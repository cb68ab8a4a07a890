/** `torch.optim` (imported as optim). */
export { Optimizer, type Params, type ParamGroup } from "./optimizer";
export { SGD, type SGDOptions } from "./sgd";
export { Adam, type AdamOptions } from "./adam";
