/** The functional ops behind Tensor methods, torch.* and nn.functional. */
import "./methods";

export * from "./pointwise";
export * from "./reduce";
export * from "./shape";
export * from "./linalg";
export * from "./conv";
export * from "./pool";
export * from "./activation";
export * from "./loss";
export * from "./norm";
