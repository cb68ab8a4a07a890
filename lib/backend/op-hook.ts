/**
 * One call before every tensor operation: every op, the library's and tfjs's own, reaches the
 * backend through `engine.runKernel`, whose one wrapper (lib/backend/index.ts) calls `beforeOp`.
 * The kernel's runner sets the hook to its interrupt check, so that straight-line code (a chain of
 * matmuls) stops at the next op as PyTorch does. The hook may throw; the op then does not start.
 */
let hook: (() => void) | undefined;

/** Sets (or with undefined, removes) the function called before each op. */
export function setOpHook(fn: (() => void) | undefined): void {
  hook = fn;
}

/** Runs the hook, if one is set (called by the engine's runKernel wrapper). */
export function beforeOp(): void {
  hook?.();
}
