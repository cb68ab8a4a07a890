// Issue 9, "Silent wrong answers", property-based: 1,840 op calls with random shapes, dims and
// dtypes (tests/fixtures/make_rules.py, seed 0) against what PyTorch 1.13 did with each
// (tests/fixtures/torch_rules.json). Every call must either give PyTorch's shape and dtype or raise
// one of nnlab's errors where PyTorch raises; a raw JS error (TypeError, RangeError, ...) or a
// result where PyTorch raises (or of another shape or dtype) fails the test.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, F, type Tensor } from "../../lib/index";
import { IndexError, RuntimeError, TorchError, TorchTypeError, ValueError } from "../../lib/errors";

before(async () => { await torch.ready(); });

type DType = "float32" | "int64" | "bool";
type Input = { s: number[]; d: DType; t?: 1 } | { v: number };
type Outcome = { s: number[]; d: string } | { err: string; msg: string };
interface Case { op: string; in: Input[]; a: unknown[]; out: Outcome }

const rules = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../tests/fixtures/torch_rules.json"), "utf8")) as { cases: Case[] };

/** The input as make_rules.py makes it: float32 (i % 7 - 3) / 2, int64 i % 7 - 3, bool i % 2 == 0. */
function make(spec: Input): Tensor | number {
  if ("v" in spec) return spec.v;
  const shape = [...spec.s];
  const transposed = spec.t === 1 && shape.length >= 2;
  if (transposed) [shape[shape.length - 1], shape[shape.length - 2]] = [shape[shape.length - 2], shape[shape.length - 1]];
  const n = shape.reduce((a, d) => a * d, 1);
  const values = Array.from({ length: n }, (_, i) => (spec.d === "bool" ? i % 2 === 0 : spec.d === "int64" ? (i % 7) - 3 : ((i % 7) - 3) / 2));
  const x = torch.tensor(values, { dtype: spec.d }).reshape(shape);
  return transposed ? x.transpose(-1, -2) : x;
}

type Args = unknown[];
const T = (v: unknown) => v as Tensor;
const N = (v: unknown) => v as number;
const maybe = <V>(v: unknown): V | undefined => (v === null ? undefined : (v as V));

/** Each op as nnlab spells the PyTorch call make_rules.py makes. */
const OPS: Record<string, (ins: (Tensor | number)[], a: Args) => unknown> = {
  matmul: ([x, y]) => torch.matmul(T(x), T(y)),
  mm: ([x, y]) => torch.mm(T(x), T(y)),
  bmm: ([x, y]) => torch.bmm(T(x), T(y)),
  add: ([x, y]) => torch.add(T(x), y),
  sub: ([x, y]) => torch.sub(T(x), y),
  mul: ([x, y]) => torch.mul(T(x), y),
  div: ([x, y]) => torch.div(T(x), y),
  eq: ([x, y]) => torch.eq(T(x), y),
  sum: ([x], [dim, keepdim]) => (dim === null ? torch.sum(T(x)) : torch.sum(T(x), dim as number | number[], keepdim as boolean)),
  mean: ([x], [dim, keepdim]) => (dim === null ? torch.mean(T(x)) : torch.mean(T(x), dim as number | number[], keepdim as boolean)),
  max: ([x], [dim, keepdim]) => (dim === null ? torch.max(T(x)) : torch.max(T(x), N(dim), keepdim as boolean)[0]),
  argmax: ([x], [dim, keepdim]) => (dim === null ? torch.argmax(T(x)) : torch.argmax(T(x), N(dim), keepdim as boolean)),
  view: ([x], [shape]) => T(x).view(shape as number[]),
  reshape: ([x], [shape]) => T(x).reshape(shape as number[]),
  narrow: ([x], [d, s, l]) => T(x).narrow(N(d), N(s), N(l)),
  select: ([x], [d, i]) => T(x).select(N(d), N(i)),
  index: ([x], [i]) => T(x).index(N(i)),
  transpose: ([x], [a, b]) => T(x).transpose(N(a), N(b)),
  permute: ([x], [dims]) => T(x).permute(dims as number[]),
  squeeze: ([x], [d]) => T(x).squeeze(maybe<number>(d)),
  unsqueeze: ([x], [d]) => T(x).unsqueeze(N(d)),
  flatten: ([x], [s, e]) => T(x).flatten(N(s), N(e)),
  expand: ([x], [sizes]) => T(x).expand(sizes as number[]),
  cat: (xs, [d]) => torch.cat(xs as Tensor[], N(d)),
  stack: (xs, [d]) => torch.stack(xs as Tensor[], N(d)),
  softmax: ([x], [d]) => F.softmax(T(x), N(d)),
  log_softmax: ([x], [d]) => F.logSoftmax(T(x), N(d)),
  linear: ([x, w, b]) => F.linear(T(x), T(w), b === undefined ? null : T(b)),
  conv2d: ([x, w], [stride, padding]) => F.conv2d(T(x), T(w), null, { stride: N(stride), padding: N(padding) }),
  max_pool2d: ([x], [k, stride, padding]) => F.maxPool2d(T(x), N(k), { stride: maybe<number>(stride) ?? null, padding: N(padding) }),
  avg_pool2d: ([x], [k, stride, padding]) => F.avgPool2d(T(x), N(k), { stride: maybe<number>(stride) ?? null, padding: N(padding) }),
  slice: ([x], [start, stop, step]) => T(x).index([start, stop, step].map((v) => (v === null ? "" : String(v))).join(":")),
  contiguous_view: ([x], [shape]) => T(x).contiguous().view(shape as number[]),
  lt: ([x, y]) => T(x).lt(y as Tensor | number),
  unary_then_view: ([x], [op]) => (T(x) as unknown as Record<string, () => Tensor>)[op as string]().view(-1),
  binary_then_view: ([x, y], [op]) => (T(x) as unknown as Record<string, (o: Tensor) => Tensor>)[op as string](T(y)).view(-1),
  gt: ([x, y]) => T(x).gt(y as Tensor | number),
  neg: ([x]) => torch.neg(T(x)),
  abs: ([x]) => torch.abs(T(x)),
  exp: ([x]) => torch.exp(T(x)),
  relu: ([x]) => torch.relu(T(x)),
  sigmoid: ([x]) => torch.sigmoid(T(x)),
  tanh: ([x]) => torch.tanh(T(x)),
  log: ([x]) => torch.log(T(x)),
  float: ([x]) => T(x).float(),
  long: ([x]) => T(x).long(),
};

/** PyTorch's name for the class of one of nnlab's errors. */
function pythonClass(e: TorchError): string {
  if (e instanceof IndexError) return "IndexError";
  if (e instanceof ValueError) return "ValueError";
  if (e instanceof TorchTypeError) return "TypeError";
  if (e instanceof RuntimeError) return "RuntimeError";
  return e.name;
}

type Verdict = "agree" | "clear error" | "other error class" | "refused" | "raw JS error" | "silent mismatch";

function judge(c: Case): { verdict: Verdict; got: string } {
  let y: unknown;
  try {
    y = OPS[c.op](c.in.map(make), c.a);
  } catch (e) {
    if (!(e instanceof TorchError)) return { verdict: "raw JS error", got: String(e) };
    const got = `${pythonClass(e)}: ${e.message.split("\n")[0]}`;
    if (!("err" in c.out)) return { verdict: "refused", got };
    return { verdict: pythonClass(e) === c.out.err ? "clear error" : "other error class", got };
  }
  const t = y as Tensor;
  const got = `${JSON.stringify([...t.shape])} ${t.dtype}`;
  if ("err" in c.out) return { verdict: "silent mismatch", got };
  const same = JSON.stringify([...t.shape]) === JSON.stringify(c.out.s) && t.dtype === c.out.d;
  return { verdict: same ? "agree" : "silent mismatch", got };
}

test("fuzz: 1,840 random op calls against PyTorch's rules: 0 raw JS errors, 0 silent mismatches", () => {
  assert.ok(rules.cases.length >= 1000, "at least 1,000 cases");
  const counts: Record<Verdict, number> = { "agree": 0, "clear error": 0, "other error class": 0, "refused": 0, "raw JS error": 0, "silent mismatch": 0 };
  const failures: string[] = [];
  for (const c of rules.cases) {
    const { verdict, got } = judge(c);
    counts[verdict]++;
    if (verdict !== "agree" && verdict !== "clear error") {
      failures.push(`${verdict}: ${c.op} ${JSON.stringify(c.in)} ${JSON.stringify(c.a)} → nnlab ${got}; PyTorch ${JSON.stringify(c.out)}`);
    }
  }
  torch.collectGarbage();
  // The counts RELIABILITY.md quotes (its Library section).
  console.log(`fuzz: ${rules.cases.length} cases; ${counts.agree} same shape and dtype; ${counts["clear error"]} clear errors where PyTorch raises ` +
    `(${counts["other error class"]} of another class); ${counts.refused} refused where PyTorch succeeds; ` +
    `${counts["raw JS error"]} raw JS errors; ${counts["silent mismatch"]} silent mismatches`);
  assert.equal(counts["raw JS error"], 0, failures.join("\n"));
  assert.equal(counts["silent mismatch"], 0, failures.join("\n"));
  // Also held today: nnlab refuses nothing PyTorch does, and raises PyTorch's error class.
  assert.deepEqual(failures, []);
});
