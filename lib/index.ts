/**
 * nnlab: `import { torch, nn, F, optim } from "nnlab"`. torch.nn, torch.nn.functional and
 * torch.optim are the same objects as nn, F and optim.
 */
import * as torch from "./torch";
import { display as show, shortcut, type DisplayOptions } from "./display/display";
import { spec } from "./plot/charts";

export { torch };
export const nn = torch.nn;
export const F = torch.nn.functional;
export const optim = torch.optim;
export { Tensor } from "./tensor/tensor";
export { DISPLAY, toBundle, setDisplaySink, getDisplaySink, type DisplaySink, type MimeBundle } from "./display/protocol";
export { clearOutput, flushDisplays, type DisplayHandle } from "./display";
export * as plot from "./plot";
export { datasets, transforms, data, DataLoader, enumerate, progress } from "./data";

/**
 * `display(value)` shows any value as rich output; `display.html/markdown/svg/png/json/image/
 * imageGrid/kernels/featureMaps/plotly(...)` build and show one kind. `display.vegaLite(spec)` draws
 * a Vega-Lite spec; it is added here because charts (lib/plot) sit a layer above lib/display.
 */
export const display = Object.assign((value: unknown, options?: DisplayOptions) => show(value, options), show, { vegaLite: shortcut(spec) });
