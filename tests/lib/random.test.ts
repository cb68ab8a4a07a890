// torch.randint as PyTorch has it: torch.randint(high, size) and torch.randint(low, high, size),
// int64 values in [low, high), repeatable with torch.manualSeed, and clear errors for bad ranges.
// (PyTorch 1.13: torch.randint(3, 5, (2, 2)).dtype == torch.int64; torch.randint(5, 5, (1,)) raises
// "random_ expects 'from' to be less than 'to', but got from=5 >= to=5".)
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch } from "../../lib/index";

before(async () => { await torch.ready(); });

test("randint(low, high, size): int64 values of that shape, every value of [low, high) and none outside", () => {
  torch.manualSeed(0);
  const t = torch.randint(-2, 3, [50, 60]);
  assert.deepEqual([...t.shape], [50, 60]);
  assert.equal(t.dtype, "int64");
  const values = (t.flatten().tolist() as number[]);
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  // 3000 draws, 600 expected per value: a fair generator stays well within ±150.
  for (const [v, n] of counts) assert.ok(Math.abs(n - 600) < 150, `value ${v} drawn ${n} times of 3000`);
});

test("randint(high, size) draws from [0, high); a float32 dtype gives whole numbers as floats", () => {
  const t = torch.randint(4, [1000]);
  const values = t.tolist() as number[];
  assert.ok(values.every((v) => Number.isInteger(v) && v >= 0 && v < 4));
  assert.equal(new Set(values).size, 4);
  const f = torch.randint(0, 10, [2, 3], { dtype: "float32" });
  assert.equal(f.dtype, "float32");
  assert.ok((f.flatten().tolist() as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < 10));
  assert.deepEqual([...torch.randint(5, []).shape], []);
});

test("randint repeats after torch.manualSeed and differs for another seed", () => {
  torch.manualSeed(42);
  const a = torch.randint(0, 1000, [20]).tolist();
  torch.manualSeed(42);
  const b = torch.randint(0, 1000, [20]).tolist();
  torch.manualSeed(43);
  const c = torch.randint(0, 1000, [20]).tolist();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test("randint's bad ranges and sizes are errors that say what to write", () => {
  assert.throws(() => torch.randint(5, 5, [1]), (e: Error) => e instanceof torch.RuntimeError && /high must be greater than low.*low=5, high=5/.test(e.message));
  assert.throws(() => torch.randint(0, [2]), (e: Error) => e instanceof torch.RuntimeError && /low=0, high=0/.test(e.message));
  assert.throws(() => torch.randint(0.5, 3, [2]), (e: Error) => e instanceof torch.TorchError && /integers/.test(e.message));
  assert.throws(() => torch.randint(0, 3, [-1]), (e: Error) => e instanceof torch.RuntimeError && /non-negative integers/.test(e.message));
  assert.throws(() => (torch.randint as (...a: unknown[]) => unknown)(0, 3, 4), (e: Error) => e instanceof torch.TorchError && /torch\.randint\(0, 10, \[2, 3\]\)/.test(e.message));
  assert.throws(() => torch.randint(0, 2 ** 40, [1]), (e: Error) => e instanceof torch.RuntimeError && /integer overflow/.test(e.message));
});
