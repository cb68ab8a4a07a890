/**
 * The ES module entry of nnlab (package.json `exports` → "import"): `import { torch } from "nnlab"`
 * is ready to compute, because this module's top-level await starts the compute backend
 * (`torch.ready()`) before the importing module runs. It re-exports the CommonJS build
 * (lib/index.ts), so a program that both imports and requires nnlab loads one library and one
 * TensorFlow.js engine, not two.
 */
import { torch } from "./index.js";

export * from "./index.js";

await torch.ready();
