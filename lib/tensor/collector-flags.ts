/**
 * The V8 flags tensor memory's collector needs (memory.ts): `gc` and `FinalizationRegistry`'s
 * `cleanupSome`. Flags are process-wide and V8 accepts a code cache only under the flags it was made
 * with, so the kernel sets them before any of its threads compiles code (kernel/language.ts,
 * kernel/checker.ts; see kernel/code-cache.ts). Setting them again changes nothing.
 */
import * as v8 from "node:v8";

export function setCollectorFlags(): void {
  v8.setFlagsFromString("--expose-gc");
  v8.setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
}
