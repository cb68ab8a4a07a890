/** `torch.nn` (imported as nn). */
export { Module, Parameter, type StateDict } from "./module";
export * from "./layers";
export * as functional from "./functional";
export * as init from "./init";
