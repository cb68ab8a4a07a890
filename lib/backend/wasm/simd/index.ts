import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { plainMemoryWasm, sharedMemoryWasm } from "./kernels.generated";

/** nnlab's own kernels (kernels.as); pointers are byte offsets into the wasm backend's heap. */
export interface SimdKernels {
  maxPoolGrad2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number): void;
  addBias(x: number, bias: number, out: number, rows: number, c: number): void;
  sumRows(x: number, out: number, block: number, rows: number, c: number): void;
  col2im(cols: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number): void;
}

interface EmscriptenMemory {
  wasmMemory?: object; // threaded build: a shared WebAssembly.Memory made in JS
  asm?: { memory?: object }; // plain build: the memory the module exports
}

// The project's lib setting (ES2022, no DOM) carries no WebAssembly typings.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const instances = new WeakMap<object, SimdKernels>();

/** The kernels instantiated over this backend's memory (once per backend; a few microseconds). */
export function simdKernels(backend: BackendWasm): SimdKernels {
  const module = backend.wasm as unknown as EmscriptenMemory;
  let kernels = instances.get(module);
  if (kernels === undefined) {
    const memory = module.wasmMemory ?? module.asm?.memory;
    if (memory === undefined) throw new Error("the tfjs wasm module exposes no memory; nnlab's kernels need tfjs-backend-wasm 4.22");
    const bytes = Buffer.from(module.wasmMemory !== undefined ? sharedMemoryWasm : plainMemoryWasm, "base64");
    kernels = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(module, kernels);
  }
  return kernels;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, dataId: object): number {
  return backend.dataIdMap.get(dataId).memoryOffset;
}
