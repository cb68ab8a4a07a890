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

/**
 * [lo, hi) parts of [0, total) of `size` each (larger when that would make more than MAX_PARTS); a
 * last part shorter than `least` joins the one before.
 */
export function partRanges(total: number, size: number, least = 1): [number, number][] {
  size = Math.max(size, Math.ceil(total / MAX_PARTS));
  const out: [number, number][] = [];
  for (let lo = 0; lo < total; lo += size) out.push([lo, Math.min(total, lo + size)]);
  const last = out[out.length - 1];
  if (out.length > 1 && last[1] - last[0] < least) out.splice(-2, 2, [out[out.length - 2][0], total]);
  return out;
}

/** The kernels a job may name, by index (the control block holds the index). */
export const KERNEL_NAMES: readonly KernelName[] = ["convForward", "convFilterGrad", "convInputGrad", "matMul", "matMulTransposedB", "sgdStep", "maxPool2x2", "maxPoolGrad2x2"];

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

/**
 * How long a thread watches for what it waits on (the next job, the workers' last parts) before it
 * sleeps: a training step's jobs come tens of microseconds apart, and a sleeping thread takes
 * 10-35 us to wake (a 2-part job of no work: 11-14 us, the worker too late to claim a part, against
 * 3.7 us watching). Interleaved runs of the FC step, quiet machine: 4.27 / 4.00 ms without, 3.95 /
 * 3.84 ms at 100 us, 3.81 / 3.64 ms at 200 us, the same CPU time; with a busy loop on one core
 * 6.21 ms without, 5.94 ms at 100 us, but 7.94 ms at 200 us (the watching took the core the
 * caller needed; an unbounded spin of 20000 loads cost the CNN step 2 ms of CPU).
 */
const WATCH_MS = 0.1;

/** Watches `ready` until it holds or WATCH_MS have passed. */
function watch(ready: () => boolean): void {
  const until = performance.now() + WATCH_MS;
  while (!ready() && performance.now() < until);
}

/** The worker side: waits for jobs, runs parts, and exits on STOP. */
export function serve(c: Control, kernels: SimdKernels): void {
  let seen = Atomics.load(c.ints, SEQ);
  for (;;) {
    watch(() => Atomics.load(c.ints, SEQ) !== seen);
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
    watch(() => Atomics.load(ints, DONE) >= job.parts.length);
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
