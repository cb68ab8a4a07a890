import { EventEmitter } from "node:events";
import * as path from "node:path";
import workerThreads, { type Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { closeKernelPool, setKernelThreads } from "./wasm/simd";

const wasmFactory = tf.engine().registryFactory["wasm"];
// The .wasm binaries sit next to the package's node bundle; load them from disk, never the network.
const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + path.sep;
let pathsSet = false;
/** The thread count the live wasm backend was started for. */
let startedFor: number | undefined;

/**
 * Stands in for one of the 8 pthread workers the threaded build starts with, each a thread that
 * loads the 10 MB module (start of the backend 1.0-1.8 s and +70 MB, against 20-60 ms with
 * stand-ins). XNNPACK runs one thread here, so no pthread is ever started on them: a stand-in
 * answers the module's "load" at once, and says so loudly if anything else is asked of it.
 */
class StandInWorker extends EventEmitter {
  postMessage(message: { cmd?: string }): void {
    if (message.cmd !== "load") throw new Error(`nnlab runs XNNPACK on one thread, but the wasm module asked a pthread worker to '${message.cmd}'`);
    setImmediate(() => this.emit("message", { cmd: "loaded" }));
  }

  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

/**
 * Starts the wasm backend for `threads` threads and returns that count. With more than one, the
 * threaded build gives a shared heap that nnlab's kernel pool (wasm/kernel-pool.ts) computes on
 * from `threads` threads; XNNPACK keeps one thread for the shipped kernels that remain (pooling,
 * element-wise ops: small, where its hand-offs cost more than they gain and its spinning threads
 * took the cores from the kernel pool: 14 against 9.5 ms of CPU per CNN step). tfjs disables
 * threads in Node; the workarounds (all undone when this returns):
 * - WASM_HAS_MULTITHREAD_SUPPORT is forced on, so the threaded-SIMD binary is picked;
 * - its pthread workers are StandInWorkers.
 */
export async function startWasm(threads: number): Promise<number> {
  if (startedFor === threads && tf.engine().registry["wasm"] !== undefined) {
    await tf.setBackend("wasm");
    return threads;
  }
  if (!pathsSet) {
    setWasmPaths(wasmDir);
    pathsSet = true;
  }
  removeWasm();
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", threads > 1);
  setThreadsCount(1);
  setKernelThreads(threads);
  const RealWorker = workerThreads.Worker;
  workerThreads.Worker = StandInWorker as unknown as typeof Worker;
  try {
    // Made apart from the engine and then switched to at once: the engine keeps computing on its
    // current backend meanwhile (tf.setBackend alone would leave it without one while the module loads).
    tf.engine().registry["wasm"] = await (wasmFactory.factory() as Promise<tf.KernelBackend>);
    if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend failed to start");
  } finally {
    workerThreads.Worker = RealWorker;
  }
  startedFor = threads;
  return threads;
}

/** Disposes the wasm backend (ends its worker threads) and leaves it registered for a later start. */
export function removeWasm(): void {
  startedFor = undefined;
  if (tf.engine().registry["wasm"] === undefined) return;
  closeKernelPool(tf.engine().registry["wasm"] as BackendWasm);
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", wasmFactory.factory, wasmFactory.priority);
}
