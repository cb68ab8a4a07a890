/**
 * The worker RPC is typed by the worker's handler object: a real worker answers, and what the
 * compiler refuses is written down with @ts-expect-error (the build fails if a line compiles).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { WorkerClient, type WorkerEvent } from "../../kernel/rpc";
import { WorkerCallError } from "../../kernel/errors";
import type { CheckerHandlers, CompileResult } from "../../kernel/checker";
import type { RunnerHandlers } from "../../kernel/runner";
import type { SumHandlers } from "./sumWorker";

test("a call returns the handler's result, events arrive, and a handler's error rejects the call", async () => {
  const events: WorkerEvent[] = [];
  const client = new WorkerClient<SumHandlers>(path.join(__dirname, "sumWorker.js"), (e) => events.push(e));
  try {
    const total: number = await client.call("sum", [1, 2, 3.5]);
    assert.equal(total, 6.5);
    assert.deepEqual(events, [{ event: "progress", done: 3 }]);
    await assert.rejects(client.call("fail", "out of range"), (e: unknown) =>
      e instanceof WorkerCallError && e.message === "fail failed in the worker: RangeError: out of range");
  } finally {
    await client.worker.terminate();
  }
});

/** Never called: these lines only have to compile (or, marked, to fail to). */
export function typeChecks(sum: WorkerClient<SumHandlers>, checker: WorkerClient<CheckerHandlers>, runner: WorkerClient<RunnerHandlers>): void {
  const compiled: Promise<CompileResult> = checker.call("compile", "const a = 1;");
  void compiled;
  void runner.call("interrupt");
  // @ts-expect-error: a misspelt method is a compile error
  void checker.call("compil", "const a = 1;");
  // @ts-expect-error: so is an argument of the wrong type
  void checker.call("complete", "torch.zer", "9");
  // @ts-expect-error: or a missing one
  void checker.call("inspect", "torch.zeros");
  // @ts-expect-error: the runner has no compile method
  void runner.call("compile", "const a = 1;");
  // @ts-expect-error: and a result is what the handler returns
  const wrong: Promise<string> = sum.call("sum", [1, 2]);
  void wrong;
}
