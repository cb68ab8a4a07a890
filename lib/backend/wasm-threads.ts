import os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { Worker } from "node:worker_threads";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { closeKernelPool, setKernelThreads } from "./wasm/simd";

const wasmFactory = tf.engine().registryFactory["wasm"];
// The .wasm binaries sit next to the package's node bundle; load them from disk, never the network.
const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + path.sep;
const workerPath = path.join(__dirname, "wasm-worker.js");
let pathsSet = false;
/** The thread count the live wasm backend was started for. */
let startedFor: number | undefined;

interface PThreadModule {
  PThread?: { runningWorkers: Worker[] };
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads and returns the count it really got.
 * tfjs disables threads in Node; the workarounds (all undone when this returns):
 * - WASM_HAS_MULTITHREAD_SUPPORT is forced on, so the threaded-SIMD binary is picked;
 * - the worker script, handed over as a blob: URL, becomes wasm-worker.js;
 * - os.cpus() reports 2x the threads while the module starts (XNNPACK takes half the logical cores).
 * The pool's workers are unref'd so they do not keep a finished script alive.
 */
export async function startWasm(threads: number): Promise<number> {
  if (startedFor === threads && tf.engine().registry["wasm"] !== undefined) {
    await tf.setBackend("wasm");
    return getThreadsCount();
  }
  if (!pathsSet) {
    setWasmPaths(wasmDir);
    pathsSet = true;
  }
  removeWasm();
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", threads > 1);
  setThreadsCount(threads);
  setKernelThreads(threads);
  const cpus = os.cpus;
  const createObjectURL = URL.createObjectURL;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  };
  URL.createObjectURL = (blob: Blob) => (blob.type === "application/javascript" ? workerPath : createObjectURL(blob));
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend failed to start");
  } finally {
    os.cpus = cpus;
    URL.createObjectURL = createObjectURL;
  }
  const module = (tf.backend() as unknown as { wasm: PThreadModule }).wasm;
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
  startedFor = threads;
  return getThreadsCount();
}

/** Disposes the wasm backend (ends its worker threads) and leaves it registered for a later start. */
export function removeWasm(): void {
  startedFor = undefined;
  if (tf.engine().registry["wasm"] === undefined) return;
  closeKernelPool(tf.engine().registry["wasm"] as BackendWasm);
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", wasmFactory.factory, wasmFactory.priority);
}
