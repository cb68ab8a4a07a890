/**
 * Runs nnlab's SIMD kernels on several threads: a job is one kernel function called once per part
 * (a range of rows, images or filter rows, fixed by the shapes), and the calling thread and the
 * pool's workers claim parts from a shared counter until none are left. A worker that gets no core
 * claims nothing and the caller does its parts (on a busy 2-core machine a fixed split made every
 * kernel wait for the descheduled thread). Each part writes its own outputs, and parts are the
 * same whatever the thread count, so results are bit-for-bit those of one thread.
 *
 * The workers instantiate the kernels over the wasm backend's shared memory (its threaded build);
 * job descriptions go through a small SharedArrayBuffer of their own.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { SimdKernels } from "./simd";

export type KernelName = keyof SimdKernels;

/** One kernel function called once per part: `args` with the values of `parts[i]` at the positions `vary`. */
export interface Job {
  fn: KernelName;
  args: number[];
  vary: number[];
  parts: number[][];
}

// The control block: Int32 slots, then the job as Float64 values (pointers exceed int32 above 2 GB).
const SEQ = 0; // job number, bumped (and notified) to start a job
const CLAIM = 1; // (generation << 16) | next part to claim
const DONE = 2; // parts finished
const FAILED = 3; // a part threw
const STOP = 4; // workers exit
const FN = 5; // index into KERNEL_NAMES
const ARGC = 6;
const NVARY = 7;
const NPARTS = 8;
const WORKER_PARTS = 9; // parts run by workers since the pool started (for the tests)
const INT_SLOTS = 16;
const MAX_ARGS = 24;
const MAX_VARY = 4;
/** Parts a job may have (the control block's size). */
export const MAX_PARTS = 256;
const VARY_AT = MAX_ARGS; // Float64 index of the varying positions
const PARTS_AT = VARY_AT + MAX_VARY; // Float64 index of the part values
const CONTROL_BYTES = INT_SLOTS * 4 + (PARTS_AT + MAX_PARTS * MAX_VARY) * 8;

/** The kernels a job may name, by index (the control block holds the index). */
export const KERNEL_NAMES: readonly KernelName[] = ["convForward", "convFilterGrad", "convInputGrad", "matMul"];

export interface Control {
  ints: Int32Array;
  floats: Float64Array;
}

export function control(buffer: SharedArrayBuffer): Control {
  return { ints: new Int32Array(buffer, 0, INT_SLOTS), floats: new Float64Array(buffer, INT_SLOTS * 4) };
}

/** Claims and runs parts of job `generation` until none are left (caller and workers alike). */
export function claimParts(c: Control, kernels: SimdKernels, generation: number, worker: boolean): void {
  for (;;) {
    const claim = Atomics.load(c.ints, CLAIM);
    const part = claim & 0xffff;
    if (claim >>> 16 !== generation || part >= Atomics.load(c.ints, NPARTS)) return;
    if (Atomics.compareExchange(c.ints, CLAIM, claim, claim + 1) !== claim) continue;
    try {
      runPart(c, kernels, part);
    } catch {
      Atomics.store(c.ints, FAILED, 1);
    }
    if (worker) Atomics.add(c.ints, WORKER_PARTS, 1);
    Atomics.add(c.ints, DONE, 1);
    Atomics.notify(c.ints, DONE);
  }
}

function runPart(c: Control, kernels: SimdKernels, part: number): void {
  const argc = c.ints[ARGC], nvary = c.ints[NVARY];
  const args = Array.from(c.floats.subarray(0, argc));
  for (let v = 0; v < nvary; v++) args[c.floats[VARY_AT + v]] = c.floats[PARTS_AT + part * nvary + v];
  (kernels[KERNEL_NAMES[c.ints[FN]]] as (...a: number[]) => void)(...args);
}

/** The worker side: waits for jobs, runs parts, and exits on STOP. */
export function serve(c: Control, kernels: SimdKernels): void {
  let seen = Atomics.load(c.ints, SEQ);
  for (;;) {
    // No spinning before the wait: on a busy 2-core machine a spinning worker took the core the
    // caller needed (CPU per CNN step 11.6 ms spinning 20000 loads, 9.5 ms without).
    Atomics.wait(c.ints, SEQ, seen);
    if (Atomics.load(c.ints, STOP) !== 0) return;
    seen = Atomics.load(c.ints, SEQ);
    claimParts(c, kernels, Atomics.load(c.ints, CLAIM) >>> 16, true);
  }
}

export class KernelPool {
  private readonly control: Control;
  private readonly workers: Worker[] = [];
  private generation = 0;

  /** `threads - 1` workers over `memory` (a shared WebAssembly.Memory) running `compiled` (the shared-memory build). */
  constructor(private readonly kernels: SimdKernels, compiled: object, memory: object, threads: number) {
    const buffer = new SharedArrayBuffer(CONTROL_BYTES);
    this.control = control(buffer);
    for (let i = 1; i < threads; i++) {
      const worker = new Worker(path.join(__dirname, "kernel-worker.js"), { workerData: { compiled, memory, buffer } });
      worker.unref();
      // A worker that fails to start claims nothing: the calling thread does its parts.
      worker.on("error", () => undefined);
      this.workers.push(worker);
    }
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Parts the workers ran since the pool started. */
  get workerParts(): number {
    return Atomics.load(this.control.ints, WORKER_PARTS);
  }

  run(job: Job): void {
    if (this.workers.length === 0 || job.parts.length === 1) {
      for (const values of job.parts) (this.kernels[job.fn] as (...a: number[]) => void)(...withValues(job, values));
      return;
    }
    const { ints, floats } = this.control;
    if (job.args.length > MAX_ARGS || job.vary.length > MAX_VARY || job.parts.length > MAX_PARTS) {
      throw new Error(`kernel job too large: ${job.args.length} args, ${job.vary.length} varying, ${job.parts.length} parts`);
    }
    floats.set(job.args, 0);
    floats.set(job.vary, VARY_AT);
    job.parts.forEach((values, i) => floats.set(values, PARTS_AT + i * job.vary.length));
    ints[FN] = KERNEL_NAMES.indexOf(job.fn);
    ints[ARGC] = job.args.length;
    ints[NVARY] = job.vary.length;
    Atomics.store(ints, NPARTS, job.parts.length);
    Atomics.store(ints, DONE, 0);
    Atomics.store(ints, FAILED, 0);
    this.generation = (this.generation + 1) & 0x7fff;
    Atomics.store(ints, CLAIM, this.generation << 16);
    Atomics.add(ints, SEQ, 1);
    Atomics.notify(ints, SEQ);
    claimParts(this.control, this.kernels, this.generation, false);
    for (let done = Atomics.load(ints, DONE); done < job.parts.length; done = Atomics.load(ints, DONE)) {
      Atomics.wait(ints, DONE, done, 10);
    }
    if (Atomics.load(ints, FAILED) !== 0) throw new Error(`nnlab kernel ${job.fn} failed on a worker thread`);
  }

  close(): void {
    Atomics.store(this.control.ints, STOP, 1);
    Atomics.add(this.control.ints, SEQ, 1);
    Atomics.notify(this.control.ints, SEQ);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

function withValues(job: Job, values: number[]): number[] {
  const args = [...job.args];
  job.vary.forEach((at, v) => (args[at] = values[v]));
  return args;
}
