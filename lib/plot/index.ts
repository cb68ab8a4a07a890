/** Charts as Vega-Lite v5 specs that display as one bundle (spec, SVG, PNG, text). Use as `plot.line({...})`. */
export { line, scatter, bar, heatmap, confusionMatrix, spec } from "./charts";
export type { ChartOptions, LineOptions, ScatterOptions, BarOptions, HeatmapOptions, ConfusionMatrixOptions } from "./charts";
export { live, LiveChart, type LiveOptions, type LiveStats } from "./live";
export { Chart, VEGA_LITE_MIME } from "./chart";
