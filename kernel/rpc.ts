/**
 * Request/response over a worker's message port. The kernel's main thread stays free for the
 * sockets (heartbeat, interrupts) while the checker and runner workers do the slow work.
 */
import { parentPort, Worker, type WorkerOptions } from "node:worker_threads";
import { NnlabError, WorkerCallError } from "./errors";

interface Request { id: number; method: string; args: unknown[] }
interface Response { id: number; result?: unknown; error?: { name: string; message: string; stack?: string } }
/** Anything a worker posts that is not a response: stream text, displays, input requests. */
export interface WorkerEvent { event: string; [key: string]: unknown }

/** A worker's methods. Its client is typed by the same object: `WorkerClient<typeof handlers>`. */
export type Handlers = Record<string, (...args: never[]) => unknown>;

/** Worker side: answer requests with `handlers`, one at a time or concurrently as they await. */
export function serve(handlers: Handlers): void {
  const port = parentPort;
  if (!port) throw new NnlabError("serve() must run inside a worker thread");
  port.on("message", async (req: Request) => {
    if (typeof req?.id !== "number") return;
    try {
      const handler = handlers[req.method];
      if (!handler) throw new NnlabError(`unknown worker method ${req.method}`);
      const result = await (handler as (...a: unknown[]) => unknown)(...req.args);
      port.postMessage({ id: req.id, result } satisfies Response);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ id: req.id, error: { name: err.name, message: err.message, stack: err.stack } } satisfies Response);
    }
  });
}

export function emit(event: WorkerEvent, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(event, transfer);
}

/**
 * Main side of a worker: `call` returns the handler's result; events go to `onEvent`. `H` is the
 * worker's handler object, so a call's method name, arguments and result are checked by the compiler.
 */
export class WorkerClient<H extends Handlers> {
  readonly worker: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; method: string }>();

  constructor(file: string, onEvent: (e: WorkerEvent) => void, options: WorkerOptions = {}) {
    this.worker = new Worker(file, { stdout: false, stderr: false, ...options });
    this.worker.on("message", (msg: Response | WorkerEvent) => {
      if ("event" in msg) return onEvent(msg);
      const call = this.pending.get(msg.id);
      if (!call) return;
      this.pending.delete(msg.id);
      if (msg.error) call.reject(new WorkerCallError(call.method, msg.error));
      else call.resolve(msg.result);
    });
    this.worker.on("error", (e) => this.failAll(e));
    this.worker.on("exit", (code) => this.failAll(new NnlabError(`worker ${file} exited with code ${code}`)));
  }

  call<M extends keyof H & string>(method: M, ...args: Parameters<H[M]>): Promise<Awaited<ReturnType<H[M]>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.worker.postMessage({ id, method, args } satisfies Request);
    });
  }

  private failAll(e: Error): void {
    for (const call of this.pending.values()) call.reject(e);
    this.pending.clear();
  }
}
