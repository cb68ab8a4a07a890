/**
 * Live charts draw in a thread of their own (draw-worker.ts), so the thread that trains pays only
 * for building the spec and posting it: loading vega (~0.3 s), compiling the spec and rendering
 * SVG/PNG (10-30 ms a redraw) happen beside it.
 *
 * The results come back on a MessagePort read in two ways: `receiveMessageOnPort` on the next
 * `push`, which works while a blocking loop never yields to the event loop, and the port's
 * 'message' event, which delivers them while an awaiting loop waits. `wait` blocks on a shared
 * counter the drawing thread bumps after each result (`Atomics.wait`), for the final state that a
 * cell's end must send before its reply. The thread ends after `IDLE_MS` without requests, so an
 * idle kernel does not keep vega in memory.
 */
import { AsyncResource } from "node:async_hooks";
import * as path from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";
import { DisplayError } from "../display/errors";
import type { Drawing } from "./chart";

/** What the drawing thread is started with: its end of the channel and the counter of results posted. */
export interface DrawerData {
  port: MessagePort;
  /** Int32[0]: results posted so far. */
  signal: SharedArrayBuffer;
}

/** Draw `spec` to SVG, and to PNG too with `png`. */
export interface DrawRequest { seq: number; spec: TopLevelSpec; png: boolean }

/** A drawing (or the error that stopped it) and the time it took in the drawing thread (ms). */
export type DrawResult = { seq: number; ms: number } & ({ error?: undefined } & Drawing | { error: string });

/** Called with a request's result on the thread that asked for it. */
export type OnDrawn = (result: DrawResult) => void;

/** The drawing thread ends after this long without a request (ms). */
const IDLE_MS = 10_000;
/** The longest `wait` for one drawing before giving up (ms): the first one loads vega. */
const WAIT_MS = 60_000;

class Drawer {
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly done: Int32Array;
  private readonly waiting = new Map<number, OnDrawn>();
  private nextSeq = 1;
  private idleTimer?: NodeJS.Timeout;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.done = new Int32Array(signal);
    this.worker = new Worker(path.join(__dirname, "draw-worker.js"), { workerData: { port: port2, signal } satisfies DrawerData, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
    this.port.on("message", (result: DrawResult) => this.deliver(result));
    this.port.unref();
    this.worker.on("error", (e) => {
      this.abandon();
      for (const seq of [...this.waiting.keys()]) this.deliver({ seq, ms: 0, error: e.message });
    });
  }

  /**
   * Sends `spec` to be drawn; `onDrawn` gets the result on the next `poll`, `wait`, or message event,
   * in the asynchronous context of this call (the port's own context is that of the cell that made
   * the drawer: the kernel would send the redraw as that cell's output).
   */
  request(spec: TopLevelSpec, png: boolean, onDrawn: OnDrawn): number {
    const seq = this.nextSeq++;
    this.waiting.set(seq, AsyncResource.bind(onDrawn));
    clearTimeout(this.idleTimer);
    this.port.postMessage({ seq, spec, png } satisfies DrawRequest);
    return seq;
  }

  /** Delivers every result already posted, without blocking. */
  poll(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.deliver(m.message as DrawResult);
  }

  /** Blocks until request `seq` is delivered (results before it are delivered too). */
  wait(seq: number): void {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const posted = Atomics.load(this.done, 0);
      this.poll();
      if (!this.waiting.has(seq)) return;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.done, 0, posted, left) === "timed-out") {
        this.abandon();
        throw new DisplayError(`the chart drawing thread gave no drawing in ${WAIT_MS / 1000} s; run the cell again (a new thread starts)`);
      }
    }
  }

  private deliver(result: DrawResult): void {
    const onDrawn = this.waiting.get(result.seq);
    this.waiting.delete(result.seq);
    if (this.waiting.size === 0) this.idleTimer = setTimeout(() => this.close(), IDLE_MS).unref();
    onDrawn?.(result);
  }

  private close(): void {
    if (this.waiting.size > 0 || drawer !== this) return;
    drawer = undefined;
    this.port.close();
    void this.worker.terminate();
  }

  /** Forgets a thread that stopped answering, so the next request starts a new one. */
  abandon(): void {
    if (drawer === this) drawer = undefined;
    this.port.close();
    void this.worker.terminate();
  }
}

let drawer: Drawer | undefined;

/** This thread's drawing thread, started on first use. */
export function theDrawer(): Drawer {
  return drawer ??= new Drawer();
}

export type { Drawer };
