/**
 * The display API: `display(value)` sends any value's bundle to the current DisplaySink (the kernel's,
 * or the console outside a notebook) and returns a handle that redraws or clears the same output.
 * Everything here is synchronous: charts and pictures render in the call, so a display made inside a
 * training loop shows up without the loop yielding to the event loop.
 */
import { randomBytes } from "node:crypto";
import { getDisplaySink, toBundle } from "./protocol";
import { html, json, markdown, png, svg } from "./rich";
import { featureMaps, image, imageGrid, kernelGrid } from "./pictures";
import { plotly } from "./plotly";
import { convolution } from "./convolution";

/** What `display(...)` returns: the output's display_id, and `update`/`clear` to change that output in place. */
export interface DisplayHandle {
  /** The Jupyter display_id (random hex) shared by this output's display_data and update_display_data. */
  readonly displayId: string;
  /** Replaces this output in place (update_display_data). */
  update(value: unknown): void;
  /** Empties this output in place (an update to an empty text). */
  clear(): void;
}

export interface DisplayOptions {
  /** Reuse an id, e.g. to show the same output again elsewhere; default: a new random id. */
  displayId?: string;
}

export function newDisplayId(): string {
  return randomBytes(16).toString("hex");
}

function show(value: unknown, options: DisplayOptions = {}): DisplayHandle {
  const displayId = options.displayId ?? newDisplayId();
  const { data, metadata } = toBundle(value);
  getDisplaySink().display(data, metadata, displayId);
  return {
    displayId,
    update(next: unknown) {
      const bundle = toBundle(next);
      getDisplaySink().update(bundle.data, bundle.metadata, displayId);
    },
    clear() {
      getDisplaySink().update({ "text/plain": "" }, {}, displayId);
    },
  };
}

/**
 * Each shortcut builds the displayable with the same name (see rich.ts, pictures.ts, convolution.ts, plotly.ts) and
 * displays it. `display.vegaLite` is added by lib/index.ts: Vega-Lite lives in lib/plot, a layer above.
 */
export const shortcut = <A extends unknown[]>(make: (...args: A) => unknown) => (...args: A): DisplayHandle => show(make(...args));

export const display = Object.assign(show, {
  html: shortcut(html),
  markdown: shortcut(markdown),
  svg: shortcut(svg),
  png: shortcut(png),
  json: shortcut(json),
  image: shortcut(image),
  imageGrid: shortcut(imageGrid),
  kernels: shortcut(kernelGrid),
  featureMaps: shortcut(featureMaps),
  convolution: shortcut(convolution),
  plotly: shortcut(plotly),
});

/** Clears the current cell's output; with `wait`, only when the next output arrives (no flicker). */
export function clearOutput(wait = false): void {
  getDisplaySink().clear(wait);
}
