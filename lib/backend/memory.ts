/**
 * The one allocation check of every backend buffer. A tensor larger than the running backend can
 * hold fails with OutOfMemoryError before anything is allocated: without it, a wasm heap request
 * over 4 GiB wraps around to a small one and the kernel writes past the heap's end ("memory access
 * out of bounds"), and a JS array of 10^10 elements is a raw RangeError after a long fill.
 *
 * Where the buffers come from: the wasm backend allocates every tensor (kernel outputs and uploads)
 * in `move`, through its `_malloc`; the JS backends (cpu) through tfjs's typed-array makers.
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { OutOfMemoryError } from "../errors";

/** wasm32's ceiling: emscripten's getHeapMax() in every tfjs-backend-wasm build (4 GiB less one page). */
export const WASM_HEAP_MAX = 4294901760;
/** Smaller allocations are not weighed up front (wasm's malloc result still is). */
const CHECK_FROM_BYTES = 16 * 2 ** 20;
const GiB = 2 ** 30;
const USER_DTYPE: Partial<Record<tf.DataType, string>> = { float32: "float32", int32: "int64", bool: "bool" };

const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`;

/** What the running backend can still hold, and how to say so. */
function room(): { free: number; limit: string } {
  if (tf.getBackend() === "wasm") {
    const free = WASM_HEAP_MAX - tf.memory().numBytes;
    return { free, limit: `the wasm backend holds at most ${gib(WASM_HEAP_MAX)} (wasm32), ${gib(free)} of it free now` };
  }
  const free = os.freemem();
  return { free, limit: `the ${tf.getBackend()} backend keeps tensors in this process's memory, and the machine has ${gib(free)} free` };
}

function outOfMemory(bytes: number, what: string, limit: string): OutOfMemoryError {
  return new OutOfMemoryError(`tried to allocate ${gib(bytes)} (${what}) but ${limit}. ` +
    "Free the tensors you no longer need (drop the variables that hold them, then torch.collectGarbage()) or use smaller sizes. " +
    "The process keeps the memory it grew to (wasm memory cannot shrink): restarting the kernel gives it back.");
}

/** Throws OutOfMemoryError when a buffer of `shape` and `dtype` does not fit the running backend. */
export function checkAllocation(shape: readonly number[], dtype: tf.DataType): void {
  const elements = shape.reduce((a, d) => a * d, 1);
  const bytes = elements * (dtype === "string" ? 0 : tf.util.bytesPerElement(dtype));
  if (bytes < CHECK_FROM_BYTES) return;
  const { free, limit } = room();
  if (bytes > free) throw outOfMemory(bytes, `${shape.join(" × ")} ${USER_DTYPE[dtype] ?? dtype}`, limit);
}

type Move = BackendWasm["move"];
const guarded = new WeakSet<object>();

/**
 * Puts the check in front of the wasm backend's one allocation path, and makes a failed `_malloc`
 * (0, the heap could not grow) an OutOfMemoryError instead of a write to address 0.
 */
export function guardWasm(backend: BackendWasm): void {
  if (guarded.has(backend)) return;
  guarded.add(backend);
  const wasm = backend.wasm as BackendWasm["wasm"] & { _malloc(bytes: number): number; _free(at: number): void };
  wasm._free(wasm._malloc(1)); // emscripten replaces its lazy `_malloc` stub on the first call: wrap the real one
  const malloc = wasm._malloc;
  wasm._malloc = (bytes: number): number => {
    const at = malloc(bytes);
    if (at === 0 && bytes > 0) {
      throw outOfMemory(bytes, `${bytes} bytes`, `the wasm heap (at most ${gib(WASM_HEAP_MAX)}, ${gib(tf.memory().numBytes)} in tensors now) ` +
        "has no free block that large: memory freed by earlier tensors cannot always be reused for a larger one");
    }
    return at;
  };
  const move: Move = backend.move.bind(backend);
  backend.move = (dataId, values, shape, dtype, refCount) => {
    checkAllocation(shape, dtype);
    move(dataId, values, shape, dtype, refCount);
  };
}

/** The JS backends (cpu) make their buffers with these tfjs helpers; each gets the check in front. */
export function guardTypedArrays(): void {
  // The package's own exports object (`import * as` gives a read-only copy): the backends call through it.
  const core = require("@tensorflow/tfjs-core") as Record<string, (a: unknown, b: unknown, c?: unknown) => unknown>;
  const util = tf.util as unknown as typeof core;
  if (guarded.has(util)) return;
  guarded.add(util);
  const guard = (at: typeof core, name: string, sizeAndDtype: (a: unknown, b: unknown) => [number[], unknown]): void => {
    const make = at[name];
    at[name] = (a, b, c) => {
      const [shape, dtype] = sizeAndDtype(a, b);
      checkAllocation(shape, (dtype ?? "float32") as tf.DataType);
      return make(a, b, c);
    };
  };
  guard(util, "getArrayFromDType", (dtype, size) => [[size as number], dtype]);
  guard(util, "getTypedArrayFromDType", (dtype, size) => [[size as number], dtype]);
  guard(util, "makeZerosTypedArray", (size, dtype) => [[size as number], dtype]);
  guard(util, "makeOnesTypedArray", (size, dtype) => [[size as number], dtype]);
  guard(core, "buffer", (shape, dtype) => [shape as number[], dtype]);
}

/** An error that says the wasm module itself failed (a trap or abort): its memory can no longer be trusted. */
export function isWasmCrash(e: unknown): boolean {
  const RuntimeErrorClass = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly.RuntimeError;
  if (e instanceof RuntimeErrorClass || e === "unwind") return true;
  return e instanceof Error && !(e instanceof OutOfMemoryError) &&
    /^(unwind|memory access out of bounds|Aborted\(|nnlab kernel \w+ failed on a worker thread)/.test(e.message);
}
