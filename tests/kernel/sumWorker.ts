// A worker for tests/kernel/rpc.test.ts: two handlers, served as the kernel's workers serve theirs.
import { emit, serve } from "../../kernel/rpc";

const handlers = {
  sum(values: number[]): number {
    emit({ event: "progress", done: values.length });
    return values.reduce((a, b) => a + b, 0);
  },
  async fail(why: string): Promise<never> {
    throw new RangeError(why);
  },
};
export type SumHandlers = typeof handlers;
serve(handlers);
