/**
 * Tensor memory follows JavaScript's garbage collector, as PyTorch's follows reference counts:
 * a tensor's buffer is released once nothing refers to the tensor. A FinalizationRegistry
 * releases the backend buffer of every collected Tensor.
 *
 * Trap: finalizers normally run only when the event loop turns, so a synchronous training loop
 * would never free anything. When the backend buffers allocated since the last collection pass
 * `pressureBytes`, we run a full GC and `cleanupSome()` (V8's synchronous finalizer run), both
 * enabled through V8 flags at load time. Where that is unavailable, finalizers run at the next
 * turn of the event loop (any `await`).
 */
import * as vm from "node:vm";
import { setCollectorFlags } from "./collector-flags";

type Disposable = { dispose(): void };
type Holder = { release(): void };

interface SyncRegistry<T> extends FinalizationRegistry<T> {
  cleanupSome?: (callback?: (held: T) => void) => void;
}

function makeCollector(): { gc: (() => void) | null; Registry: typeof FinalizationRegistry } {
  try {
    setCollectorFlags();
    // The flags take effect in contexts made after they are set.
    const context = vm.createContext();
    const gc = vm.runInContext("gc", context) as () => void;
    const Registry = vm.runInContext("FinalizationRegistry", context) as typeof FinalizationRegistry;
    return { gc, Registry };
  } catch {
    return { gc: null, Registry: FinalizationRegistry };
  }
}

const { gc, Registry } = makeCollector();
const registry: SyncRegistry<Holder> = new Registry<Holder>((holder) => holder.release());

/**
 * Collect when this many bytes of tensor buffers were allocated since the last pass. The wasm heap
 * grows to about this much garbage before a pass frees it, and every page it grows by costs a page
 * fault the first time (12 us a page on the AMD VMs, 0.8 s for 256 MB, less on the Intel ones; all
 * of it in the first epoch); a pass costs 9-13 ms (V8's forced full collection of a ~14 MB heap).
 * The lecture's CNN leaves 2.7 MB a step to the collector (its layers' outputs). Measured, CNN
 * epochs 1 and 2 (s) and peak RSS: on an AMD VM, 64 MB 5.6-5.9 s / 270 MB against 256 MB 6.9-7.9 s /
 * 470 MB; on an Intel VM (2026-12-02 16:20), 64 MB 6.0, 5.8 / 275 MB; 128 MB 5.8, 5.4 / 357 MB;
 * 256 MB 5.5, 5.1 / 478 MB. 128 MB halves 64 MB's passes (~24 fewer an epoch, 0.25-0.3 s) for ~0.2 s
 * of faults once on the AMD VMs, and holds 80 MB more (PyTorch holds 814 MB for the same training).
 */
const pressureBytes = 128 * 1024 * 1024;
let allocatedSinceCollect = 0;
let collecting = false;

/** Ties one release of `holder` to the life of `owner`. */
export function track(owner: object, holder: Holder, bytes: number): void {
  registry.register(owner, holder, holder);
  allocatedSinceCollect += bytes;
  if (allocatedSinceCollect > pressureBytes) collectGarbage();
}

/** The owner released its buffers itself (e.g. autograd freed a graph): no finalizer needed. */
export function untrack(holder: Holder & object): void {
  registry.unregister(holder);
}

/** Frees the buffers of every tensor nothing refers to any more. Returns false when unavailable. */
export function collectGarbage(): boolean {
  allocatedSinceCollect = 0;
  if (!gc || collecting) return false;
  collecting = true;
  try {
    gc();
    registry.cleanupSome?.();
  } finally {
    collecting = false;
  }
  return typeof registry.cleanupSome === "function";
}

/**
 * One backend buffer and its layout, shared by the tensors that view it (`t.data`, `t.detach()`),
 * as PyTorch's storage is. In-place updates swap `handle` for all of them; the buffer is freed
 * when the last of its tensors is collected.
 */
export class Storage implements Holder {
  private owners = 0;
  constructor(public handle: Disposable, public perm: readonly number[] | null) {}

  /** Registers one more tensor that views this storage. */
  retain(): this {
    this.owners++;
    return this;
  }

  release(): void {
    if (--this.owners > 0) return;
    try {
      this.handle.dispose();
    } catch {
      // Its backend was shut down (shutdownBackend): the buffer went with it.
    }
  }
}
