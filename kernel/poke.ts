/**
 * Interrupts without a shared-memory read in every loop iteration. Every loop body of a cell calls
 * the runner's `tick()`; reading the interrupt flag there (a typed-array load) made a tight loop
 * ~1.35× slower than plain Node. Instead the main thread pokes the runner through the inspector
 * protocol: V8 runs an inspector command in a busy thread at its next interrupt check (every loop
 * back edge already has one), so `Runtime.evaluate` of `__nnlab_poke()` sets a plain variable that
 * `tick()` reads, while the loop still blocks. The shared flag still says which cell to stop; the
 * poke only tells the runner to look. Without an inspector (a Node built without it) there is no
 * poke, and `tick()` reads the shared flag as before.
 */
import type { Session } from "node:inspector";
import type { Worker } from "node:worker_threads";

/** The runner's global the poke calls: it makes the next `tick()` check the interrupt flag. */
export const POKE_FUNCTION = "__nnlab_poke";

interface AttachedToWorker { params: { sessionId: string; workerInfo: { title: string } } }

/** The thread id in an inspector target's title, "[worker 3]" (the target's workerId is a count of its own). */
const threadOf = (title: string): string | undefined => /^\[worker (\d+)\]/.exec(title)?.[1];

/** The main thread's inspector session, attached to its workers (NodeWorker domain). */
export class Poker {
  /** Inspector session id of each attached worker, by thread id. */
  private readonly sessions = new Map<string, string>();
  /** Workers poked before their inspector target was attached (just started): poked once it is. */
  private readonly early = new Set<string>();

  private constructor(private readonly session: Session) {
    session.on("NodeWorker.attachedToWorker", ({ params }: AttachedToWorker) => {
      const thread = threadOf(params.workerInfo.title);
      if (thread === undefined) return;
      this.sessions.set(thread, params.sessionId);
      if (this.early.delete(thread)) this.send(params.sessionId);
    });
    session.on("NodeWorker.detachedFromWorker", ({ params }: { params: { sessionId: string } }) => {
      for (const [thread, id] of this.sessions) if (id === params.sessionId) this.sessions.delete(thread);
    });
    session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  }

  /** A poker for this thread's workers, or undefined where Node has no inspector. */
  static start(): Poker | undefined {
    try {
      const { Session } = require("node:inspector") as typeof import("node:inspector");
      const session = new Session();
      session.connect();
      return new Poker(session);
    } catch {
      return undefined;
    }
  }

  /** Makes `worker` call POKE_FUNCTION at its next interrupt check, even inside a blocking loop. */
  poke(worker: Worker): void {
    const thread = String(worker.threadId);
    const sessionId = this.sessions.get(thread);
    if (sessionId === undefined) this.early.add(thread);
    else this.send(sessionId);
  }

  private send(sessionId: string): void {
    const message = JSON.stringify({ id: 1, method: "Runtime.evaluate", params: { expression: `${POKE_FUNCTION}()`, silent: true } });
    this.session.post("NodeWorker.sendMessageToWorker", { sessionId, message }, () => undefined);
  }

  /** Detaches from the workers. */
  close(): void {
    this.session.disconnect();
  }
}
