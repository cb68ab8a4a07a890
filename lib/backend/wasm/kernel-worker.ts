// Entry file of a KernelPool worker: nnlab's kernels over the wasm backend's shared memory, serving jobs.
import { workerData } from "node:worker_threads";
import { control, serve } from "./kernel-pool";
import type { SimdKernels } from "./simd";

const { compiled, memory, buffer } = workerData as { compiled: object; memory: object; buffer: SharedArrayBuffer };
const wasm = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, imports: object) => { exports: object } } }).WebAssembly;
const kernels = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
serve(control(buffer), kernels);
