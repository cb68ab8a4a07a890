import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
// Registered for their side effect with require, not `import "…"`: a side-effect import stays in
// this file's .d.ts and would load both backends' declarations into every program reading nnlab's.
require("@tensorflow/tfjs-backend-cpu");
require("@tensorflow/tfjs-backend-wasm");
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BackendRebuiltError, TorchError } from "../errors";
import { guardTypedArrays, guardWasm, isWasmCrash } from "./memory";
import { startNative } from "./native";
import { beforeOp } from "./op-hook";
import { quietly } from "./quiet";
import { registerWasmKernels } from "./wasm/register";
import { removeWasm, startWasm } from "./wasm-threads";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export type BackendPreference = "auto" | "cuda" | "tensorflow" | "wasm" | "cpu";
export interface BackendInfo {
  name: BackendName;
  cuda: boolean;
  /** Threads the backend computes with (wasm: nnlab's kernel pool, wasm-threads.ts; tensorflow: the machine's cores). */
  threads: number;
}
export interface BackendOptions {
  prefer?: BackendPreference;
  /** wasm only; default: every core (see defaultWasmThreads). NNLAB_THREADS overrides it. */
  threads?: number;
}

/**
 * One kernel-pool thread per core. The pool's threads claim parts of each kernel as they get a
 * core, so a thread that gets none no longer stalls the step (as XNNPACK's fixed split did, making
 * 2 threads up to 50 % slower than 1 on a busy machine). Measured on a shared 2-core VM (load 8-15),
 * alternating runs of the step benchmark: the CNN step 0.64-0.92x PyTorch with 2 threads against
 * 1.13-1.25x with 1.
 */
export function defaultWasmThreads(): number {
  return os.availableParallelism();
}

const preferences: readonly BackendPreference[] = ["auto", "cuda", "tensorflow", "wasm", "cpu"];

export class BackendError extends TorchError {}

// The cpu backend greets its first tensor with a "you are running TensorFlow.js in Node.js" banner
// on stderr; nnlab picks its backend itself, so every cpu backend made here starts without it.
const cpuEntry = tf.engine().registryFactory["cpu"];
const makeCpu = cpuEntry.factory;
cpuEntry.factory = () => Object.assign(makeCpu() as tf.KernelBackend, { firstUse: false });

/**
 * Until a backend runs, tfjs would start its highest-priority one (wasm) by itself on the first
 * tensor and fail with its own advice ("... Make sure to await tf.ready()"), which names a call
 * nnlab users never make. The engine's backend getter answers with nnlab's advice instead.
 */
const NOT_READY = "no compute backend is running yet: call `await torch.ready()` once before making tensors " +
  '(`import { torch } from "nnlab"` in an ES module does it for you)';
const REBUILDING = "the compute backend is being rebuilt after a crash: `await torch.ready()` waits for it";
const engine = tf.engine() as unknown as {
  backendInstance: unknown;
  pendingBackendInit: unknown;
  runKernel: (...args: unknown[]) => unknown;
  readSync: (dataId: object) => unknown;
  read: (dataId: object) => unknown;
  state: { tensorInfo: WeakMap<object, { backend: object }> };
};
const backendGetter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(engine), "backend")!.get!;
Object.defineProperty(engine, "backend", {
  configurable: true,
  get(this: typeof engine) {
    if (this.backendInstance == null || this.pendingBackendInit != null) throw new BackendError(rebuilding ? REBUILDING : NOT_READY);
    return backendGetter.call(this);
  },
});

/**
 * Every op reaches a backend through the engine's runKernel: the op hook runs first (the kernel's
 * interrupt check, see op-hook.ts). A wasm module that failed inside a kernel (a trap, an abort)
 * cannot be trusted afterwards (every later op failed with "unwind"): the backend is thrown away
 * and started anew, and the op's error says that its tensors are lost.
 */
const runKernel = engine.runKernel.bind(engine);
engine.runKernel = (...args: unknown[]): unknown => {
  beforeOp();
  try {
    return current?.name === "wasm" && hasEmptyInput(args[1]) ? onCpu(() => runKernel(...args)) : runKernel(...args);
  } catch (e) {
    throw current?.name === "wasm" && isWasmCrash(e) ? rebuildAfterCrash(e) : e;
  }
};

/** Whether a kernel's inputs include an empty tensor: several wasm kernels divide by a zero size (a trap). */
function hasEmptyInput(inputs: unknown): boolean {
  for (const t of Object.values((inputs ?? {}) as Record<string, { shape?: number[] } | undefined>)) {
    if (t?.shape !== undefined && t.shape.includes(0)) return true;
  }
  return false;
}

/**
 * Runs one kernel on the pure-JS cpu backend, which handles empty tensors (the engine moves the
 * inputs over and later ops move the result back). Switching to a started backend is synchronous.
 */
function onCpu<T>(run: () => T): T {
  void tf.setBackend("cpu");
  try {
    return run();
  } finally {
    void tf.setBackend("wasm");
  }
}

/** Backends thrown away after a crash; reading a tensor they held (also to move it) is an error that says why. */
const crashed = new WeakSet<object>();
for (const name of ["readSync", "read"] as const) {
  const read = engine[name].bind(engine);
  engine[name] = (dataId: object): unknown => {
    const holder = engine.state.tensorInfo.get(dataId)?.backend;
    if (holder !== undefined && crashed.has(holder)) {
      throw new BackendRebuiltError("this tensor was made before the wasm backend crashed and was rebuilt, and is lost: " +
        "run the cell that made it again");
    }
    return read(dataId);
  };
}
guardTypedArrays();

let current: BackendInfo | undefined;
/** The options of the last start, for a rebuild; and the rebuild under way, if any. */
let lastOptions: BackendOptions = {};
let rebuilding: Promise<BackendInfo> | undefined;
/** initBackend calls run one after the other: two starts of the wasm module at once would clash. */
let queue: Promise<unknown> = Promise.resolve();
/** Why each backend tried before the current one was passed over, and what tfjs printed while starting. */
const notes: string[] = [];

/**
 * Picks and starts the compute backend. "auto": tfjs-node-gpu on a CUDA device, then tfjs-node,
 * then wasm (XNNPACK, optionally multithreaded, with nnlab's training kernels), and pure-JS cpu last.
 * NNLAB_BACKEND=auto|cuda|tensorflow|wasm|cpu overrides `prefer`. Nothing is printed: reasons
 * for passing a backend over are in `backendNotes()`. Starting wasm anew (other thread count)
 * disposes the tensors held by the previous wasm backend.
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  lastOptions = opts;
  const run = queue.then(() => selectBackend(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function selectBackend(opts: BackendOptions): Promise<BackendInfo> {
  const prefer = preference(opts.prefer);
  const requested = requestedThreads(opts.threads);
  if (current !== undefined && satisfies(current, prefer, requested) && tf.getBackend() === engineName(current)) return current;
  const threads = requested ?? defaultWasmThreads();
  current = await quietly(notes, () => start(prefer, threads));
  return current;
}

/** The backend `initBackend` started. */
export function backendInfo(): BackendInfo {
  if (current === undefined) throw new BackendError("no backend started yet: call `await torch.ready()` first");
  return current;
}

export function backendNotes(): readonly string[] {
  return notes;
}

/** Drops the crashed wasm backend, starts it again in the background, and returns the error to throw. */
function rebuildAfterCrash(cause: unknown): BackendRebuiltError {
  crashed.add(tf.engine().registry["wasm"]);
  shutdownBackend();
  void tf.setBackend("cpu"); // synchronous (a started backend): ops go on, slowly, until wasm is back
  rebuilding = initBackend(lastOptions).finally(() => { rebuilding = undefined; });
  rebuilding.catch(() => undefined); // its failure is reported by the next torch.ready()
  const what = cause instanceof Error ? cause.message : String(cause);
  return new BackendRebuiltError(`the wasm backend crashed (${what}) and was rebuilt: every tensor made before is lost. ` +
    "Run the cells that made the tensors you need again (until the new backend is up, a moment, ops run on the slower cpu backend; `await torch.ready()` waits for it). " +
    "If it ran out of memory, free tensors or use smaller sizes; restarting the kernel gives the process's memory back.", { cause });
}

/** Disposes the wasm backend and ends its worker threads; `initBackend` can start it again. */
export function shutdownBackend(): void {
  removeWasm();
  current = undefined;
}

function preference(requested: BackendPreference | undefined): BackendPreference {
  const fromEnv = process.env["NNLAB_BACKEND"];
  const chosen = fromEnv !== undefined && fromEnv !== "" ? fromEnv : (requested ?? "auto");
  if (!preferences.includes(chosen as BackendPreference)) {
    const source = fromEnv ? "NNLAB_BACKEND" : "prefer";
    throw new BackendError(`${source} is '${chosen}'; use one of ${preferences.join(", ")}`);
  }
  return chosen as BackendPreference;
}

/** NNLAB_THREADS overrides `threads`: on a machine busy with other work one thread can be faster. */
function requestedThreads(requested: number | undefined): number | undefined {
  const fromEnv = process.env["NNLAB_THREADS"];
  const [source, threads] = fromEnv !== undefined && fromEnv !== "" ? ["NNLAB_THREADS", Number(fromEnv)] : ["threads", requested];
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new BackendError(`${source} must be a whole number >= 1, got ${source === "NNLAB_THREADS" ? `'${fromEnv}'` : threads}`);
  }
  return threads;
}

/** Whether the running backend answers the request; "auto" takes any, so a lazy initBackend() keeps a user's choice. */
function satisfies(info: BackendInfo, prefer: BackendPreference, threads: number | undefined): boolean {
  const threadsMatch = threads === undefined || info.name !== "wasm" || info.threads === threads;
  switch (prefer) {
    case "auto": return threadsMatch;
    case "cuda": return info.cuda;
    case "tensorflow": return info.name === "tensorflow" || info.name === "tensorflow-gpu";
    case "wasm": return info.name === "wasm" && threadsMatch;
    case "cpu": return info.name === "cpu";
  }
}

function engineName(info: BackendInfo): string {
  return info.name === "tensorflow-gpu" ? "tensorflow" : info.name;
}

async function start(prefer: BackendPreference, threads: number): Promise<BackendInfo> {
  notes.length = 0;
  if (prefer === "auto" || prefer === "cuda" || prefer === "tensorflow") {
    const native = await startNativeBackend(prefer);
    if (native !== undefined) return native;
  }
  if (prefer === "auto" || prefer === "wasm") {
    try {
      registerWasmKernels();
      const started = await startWasm(threads);
      guardWasm(tf.backend() as BackendWasm);
      return { name: "wasm", cuda: false, threads: started };
    } catch (e) {
      if (prefer === "wasm") throw e;
      notes.push(`wasm: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!(await tf.setBackend("cpu"))) throw new BackendError("the pure-JS cpu backend failed to start");
  return { name: "cpu", cuda: false, threads: 1 };
}

async function startNativeBackend(prefer: "auto" | "cuda" | "tensorflow"): Promise<BackendInfo | undefined> {
  const packages = prefer === "tensorflow" ? (["@tensorflow/tfjs-node"] as const) : (["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const);
  const failures: string[] = [];
  for (const pkg of packages) {
    const outcome = await startNative(pkg);
    if ("failed" in outcome) {
      failures.push(outcome.failed);
      continue;
    }
    if (prefer === "cuda" && !outcome.cuda) {
      failures.push(`${pkg}: loaded but runs on the CPU (CUDA 11.2 and cuDNN 8.1 are needed)`);
      break;
    }
    return { name: outcome.cuda ? "tensorflow-gpu" : "tensorflow", cuda: outcome.cuda, threads: os.availableParallelism() };
  }
  notes.push(...failures);
  if (prefer === "auto") return undefined;
  throw new BackendError(`${prefer} backend unavailable (${failures.join("; ")}); install it or unset NNLAB_BACKEND / prefer`);
}
