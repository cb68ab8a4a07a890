/**
 * One call before every tensor operation: every op, the library's and tfjs's own, reaches the
 * backend through `engine.runKernel`, so a hook there runs between any two ops of a cell. The
 * kernel's runner sets it to its interrupt check, so that straight-line code (a chain of matmuls)
 * stops at the next op as PyTorch does. The hook may throw; the op then does not start.
 */
import * as tf from "@tensorflow/tfjs-core";

type Engine = { runKernel: (...args: unknown[]) => unknown };
let hook: (() => void) | undefined;

/** Sets (or with undefined, removes) the function called before each op. */
export function setOpHook(fn: (() => void) | undefined): void {
  hook = fn;
}

const engine = tf.engine() as unknown as Engine;
const runKernel = engine.runKernel;
engine.runKernel = function (this: Engine, ...args: unknown[]): unknown {
  hook?.();
  return runKernel.apply(this, args);
};
