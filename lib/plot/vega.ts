/**
 * Vega-Lite → Vega → SVG, synchronously, in the kernel's own process.
 *
 * vega 5 and vega-lite 5 ship CommonJS builds, so they are `require`d on the first render
 * (~130 ms) and never when the library loads. Rendering is synchronous on purpose: a chart's
 * `[DISPLAY]()` can return its full bundle (SVG and PNG included) like any other value, and a live
 * curve redraws inside a training loop that never yields to the event loop.
 */
import type { TopLevelSpec } from "vega-lite";
import type { View } from "vega";

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");

let modules: { vega: Vega; vegaLite: VegaLite } | undefined;

function load(): { vega: Vega; vegaLite: VegaLite } {
  return modules ??= { vega: require("vega") as Vega, vegaLite: require("vega-lite") as VegaLite };
}

/** The view's full size, set during layout; `toSVG()` reads the same fields (vega-view's renderHeadless). */
interface ViewSize { _viewWidth: number; _viewHeight: number }
/** vega-scenegraph's headless SVG renderer, exported by vega but missing from its typings. */
interface SvgStringRenderer {
  initialize(el: null, width: number, height: number, origin: readonly [number, number], scale: number): SvgStringRenderer;
  background(color: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string | null;
}

export interface RenderedSvg {
  readonly svg: string;
  /** Size of the picture in CSS pixels. */
  readonly width: number;
  readonly height: number;
}

/** Builds the headless view of a Vega-Lite spec and evaluates its dataflow (warnings silenced). */
export function headlessView(spec: TopLevelSpec): View {
  const { vega, vegaLite } = load();
  const quiet = vega.logger(vega.None);
  // vega tags each data row with an id symbol: render a copy, so the spec sent to the front end stays as built.
  const compiled = vegaLite.compile(structuredClone(spec), { logger: quiet }).spec;
  return new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.None });
}

/**
 * SVG of a Vega-Lite spec with inline data. `view.run()` evaluates the dataflow synchronously when
 * no operator loads data (inline `values` never do); the scenegraph is then complete and vega's own
 * headless SVG renderer draws it synchronously. A test checks the result equals `await view.toSVG()`.
 */
export function renderSvg(spec: TopLevelSpec): RenderedSvg {
  const view = headlessView(spec);
  try {
    return drawView(view);
  } finally {
    view.finalize();
  }
}

/** Runs the view's dataflow and draws its scenegraph to SVG. */
function drawView(view: View): RenderedSvg {
  const { vega } = load();
  view.run();
  const size = view as unknown as ViewSize;
  const padding = view.padding() as { left: number; right: number; top: number; bottom: number };
  const origin = view.origin();
  const width = Math.max(0, size._viewWidth + padding.left + padding.right);
  const height = Math.max(0, size._viewHeight + padding.top + padding.bottom);
  const Renderer = (vega as unknown as { SVGStringRenderer: new () => SvgStringRenderer }).SVGStringRenderer;
  const svg = new Renderer()
    .initialize(null, width, height, [padding.left + origin[0], padding.top + origin[1]], 1)
    .background(view.background())
    .render((view.scenegraph() as unknown as { root: unknown }).root)
    .svg();
  return { svg: svg ?? "", width, height };
}

/** vega-lite names a top-level inline dataset this in the compiled vega spec. */
const SOURCE = "source_0";

/**
 * Draws a series of specs that differ only in their top-level inline data (a live chart's redraws):
 * the view of the last one is kept, and a spec like it only replaces the view's data, sparing the
 * compile, the parse and the view's construction (a quarter of a redraw).
 */
export class ReusedView {
  private last?: { shape: string; view: View };

  /** SVG of `spec`, drawn by the last view when only the spec's `data.values` changed. */
  render(spec: TopLevelSpec): RenderedSvg {
    const { data, ...rest } = spec as TopLevelSpec & { data?: { values?: unknown[] } };
    const values = data && Object.keys(data).length === 1 ? data.values : undefined;
    const shape = values === undefined ? "" : JSON.stringify(rest);
    if (values !== undefined && this.last?.shape === shape) {
      this.last.view.data(SOURCE, structuredClone(values));
      return drawView(this.last.view);
    }
    this.last?.view.finalize();
    this.last = undefined;
    const view = headlessView(spec);
    if (shape !== "") this.last = { shape, view };
    const drawn = drawView(view);
    if (shape === "") view.finalize();
    return drawn;
  }
}
