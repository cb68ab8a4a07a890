/**
 * Outputs whose last changes are not drawn yet (a throttled live chart between redraws).
 * The kernel calls `flushDisplays()` after each cell and before its execute_reply, so the final
 * state is what the saved notebook keeps.
 */
export interface Flushable {
  flush(): void;
}

const pending = new Set<Flushable>();

export function markPending(output: Flushable): void {
  pending.add(output);
}

export function markDrawn(output: Flushable): void {
  pending.delete(output);
}

/** Draws every output with undrawn changes, synchronously. */
export function flushDisplays(): void {
  for (const output of [...pending]) output.flush();
}
