import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelPool } from "../kernel-pool";
import { plainMemoryWasm, sharedMemoryWasm } from "./kernels.generated";

/** nnlab's own kernels (the .as files of simd/); pointers are byte offsets into the wasm backend's heap. */
export interface SimdKernels {
  /** pool.as: dx of the 2x2 / stride 2 pool for images [b0, b1) of x (N, H, W, C). */
  maxPoolGrad2x2(x: number, dy: number, dx: number, b0: number, b1: number, h: number, w: number, c: number, oh: number, ow: number): void;
  /** elementwise.as: out (rows, c) = a (rows, c) op b (c); op 0 add, 1 sub, 2 mul. */
  binaryRows(op: number, a: number, b: number, out: number, rows: number, c: number): void;
  /** elementwise.as: out (n) = a (n) op s. */
  binaryScalar(op: number, a: number, s: number, out: number, n: number): void;
  relu(x: number, out: number, n: number): void;
  step(x: number, out: number, n: number, alpha: number): void;
  /** pool.as: y (N, OH, OW, C), the 2x2 / stride 2 max pool of x (N, H, W, C), for images [b0, b1). */
  maxPool2x2(x: number, y: number, b0: number, b1: number, h: number, w: number, c: number, oh: number, ow: number): void;
  /** kernels.as: out (c) = the sum of the rows of x (rows, c); block: 8 * c floats of scratch. */
  sumRows(x: number, out: number, block: number, rows: number, c: number): void;
  /** gemm.as: rows [r0, r1) of (image, output row), columns [c0, c1); bias 0 for none. */
  convForward(x: number, w: number, bias: number, y: number, hp: number, wp: number, cin: number, oh: number, ow: number, cout: number,
    kh: number, kw: number, sh: number, sw: number, relu: number, r0: number, r1: number, c0: number, c1: number): void;
  /** gemm.as: c (m, n) = a (m, k) . b (k, n) (+ bias) (ReLU) for columns [c0, c1); bias 0 for none. */
  matMul(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, relu: number, c0: number, c1: number): void;
  /** gemm.as: c (m, n) = a (m, k) . b (n, k)^T (+ bias) (ReLU) for columns [c0, c1); bias 0 for none. */
  matMulTransposedB(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, relu: number, c0: number, c1: number): void;
  /** gemm.as: the sum over images [b0, b1) for filter rows [k0, k1) and columns [c0, c1). */
  convFilterGrad(x: number, dy: number, dw: number, hp: number, wp: number, cin: number, oh: number, ow: number, cout: number,
    kh: number, kw: number, sh: number, sw: number, b0: number, b1: number, k0: number, k1: number, c0: number, c1: number): void;
  /** gemm.as: images [b0, b1) of the padded dx; wT (cout, kh * kw * cin) is read 3 floats past its end. */
  convInputGrad(dy: number, wT: number, dx: number, hp: number, wp: number, cin: number, oh: number, ow: number, cout: number,
    kh: number, kw: number, sh: number, sw: number, b0: number, b1: number): void;
  /** optim.as: one torch.optim.SGD step of the floats [i0, i1) (buf 0 before the first step). */
  sgdStep(p: number, grad: number, buf: number, pOut: number, bufOut: number, i0: number, i1: number,
    lr: number, momentum: number, keep: number, wd: number, nesterov: number, hasBuf: number): void;
  /** gemm.as: dst (cols, rows) = src (rows, cols). */
  transpose(src: number, dst: number, rows: number, cols: number): void;
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

interface Instance {
  kernels: SimdKernels;
  pool: KernelPool;
}
const instances = new WeakMap<object, Instance>();
let poolThreads = 1;

/** Threads for the kernel pools made from now on (used where the backend's memory is shared, i.e. its threaded build). */
export function setKernelThreads(threads: number): void {
  poolThreads = threads;
}

/** The kernels instantiated over this backend's memory, and their thread pool (once per backend). */
function instance(backend: BackendWasm): Instance {
  const module = backend.wasm as unknown as EmscriptenMemory;
  let found = instances.get(module);
  if (found === undefined) {
    const memory = module.wasmMemory ?? module.asm?.memory;
    if (memory === undefined) throw new Error("the tfjs wasm module exposes no memory; nnlab's kernels need tfjs-backend-wasm 4.22");
    const shared = module.wasmMemory !== undefined;
    const compiled = new wasmApi.Module(Buffer.from(shared ? sharedMemoryWasm : plainMemoryWasm, "base64"));
    const kernels = new wasmApi.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
    found = { kernels, pool: new KernelPool(kernels, compiled, memory, shared ? poolThreads : 1) };
    instances.set(module, found);
  }
  return found;
}

export function simdKernels(backend: BackendWasm): SimdKernels {
  return instance(backend).kernels;
}

export function kernelPool(backend: BackendWasm): KernelPool {
  return instance(backend).pool;
}

/** Ends the pool's worker threads of this backend (before the backend goes). */
export function closeKernelPool(backend: BackendWasm): void {
  const module = backend.wasm as unknown as EmscriptenMemory;
  instances.get(module)?.pool.close();
  instances.delete(module);
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, dataId: object): number {
  return backend.dataIdMap.get(dataId).memoryOffset;
}
