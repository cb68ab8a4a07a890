/**
 * nnlab: `import { torch, nn, F, optim } from "nnlab"`. torch.nn, torch.nn.functional and
 * torch.optim are the same objects as nn, F and optim.
 */
import * as torch from "./torch";

export { torch };
export const nn = torch.nn;
export const F = torch.nn.functional;
export const optim = torch.optim;
export { Tensor } from "./tensor/tensor";
export { DISPLAY, toBundle, setDisplaySink, getDisplaySink, type DisplaySink, type MimeBundle } from "./display/protocol";
export { display, clearOutput, flushDisplays, type DisplayHandle } from "./display";
export * as plot from "./plot";
export { datasets, transforms, data, DataLoader, enumerate, progress } from "./data";
