/**
 * nnlab: `import { torch, nn, F, optim } from "nnlab"`. torch.nn, torch.nn.functional, torch.optim
 * and torch.utils.data are the same objects as nn, F, optim and data. Each is a namespace, so its
 * classes are types too (`conv1: nn.Conv2d`, `opt: optim.SGD`, `ds: data.TensorDataset`).
 */
import * as torch from "./torch";
import { display as show, shortcut, type DisplayOptions } from "./display/display";
import { spec } from "./plot/charts";

export { torch };
export * as nn from "./nn";
export * as F from "./nn/functional";
export * as optim from "./optim";
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
