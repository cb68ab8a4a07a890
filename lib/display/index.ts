/** The display API and the protocol it is built on. */
export { display, clearOutput, newDisplayId, type DisplayHandle, type DisplayOptions } from "./display";
export { flushDisplays } from "./pending";
export { DisplayError } from "./errors";
export { MimeObject, html, markdown, svg, png, json } from "./rich";
export { image, imageGrid, kernelGrid, featureMaps } from "./pictures";
export { convolution, convolutionSteps, type ConvolutionOptions, type ConvolutionStep } from "./convolution";
export type { ImageDisplayOptions, ImageGridOptions, KernelGridOptions, FeatureMapOptions } from "./pictures";
export { plotly, PLOTLY_MIME, type PlotlyFigure, type PlotlyOptions } from "./plotly";
export type { TensorLike, Series, Matrix } from "./tensorLike";
export * from "./protocol";
