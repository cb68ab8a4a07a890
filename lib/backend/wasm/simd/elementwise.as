// Element-wise kernels, float32. The shipped ones go through XNNPACK operators made per call:
// 40-110 us for the lecture's 92k-value activations (Relu, Step, Multiply), where one pass takes
// 10-20 us.

// Binary operations, by code.
const ADD = 0, SUB = 1, MUL = 2;

@inline function apply(op: i32, a: v128, b: v128): v128 {
  return op == ADD ? f32x4.add(a, b) : op == SUB ? f32x4.sub(a, b) : f32x4.mul(a, b);
}

@inline function apply1(op: i32, a: f32, b: f32): f32 {
  return op == ADD ? a + b : op == SUB ? a - b : a * b;
}

// out (rows, c) = a (rows, c) op b (c): b is added to (subtracted from, multiplied with) every row;
// rows = 1 for two tensors of one shape.
export function binaryRows(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32): void {
  const cs = (<usize>c) << 2;
  for (let r = 0; r < rows; r++) {
    const at = (<usize>r) * cs;
    let k = 0;
    for (; k + 4 <= c; k += 4) {
      const o = (<usize>k) << 2;
      v128.store(out + at + o, apply(op, v128.load(a + at + o), v128.load(b + o)));
    }
    for (; k < c; k++) {
      const o = (<usize>k) << 2;
      store<f32>(out + at + o, apply1(op, load<f32>(a + at + o), load<f32>(b + o)));
    }
  }
}

// out (n) = a (n) op s.
export function binaryScalar(op: i32, a: usize, s: f32, out: usize, n: i32): void {
  const v = f32x4.splat(s);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = (<usize>k) << 2;
    v128.store(out + o, apply(op, v128.load(a + o), v));
  }
  for (; k < n; k++) {
    const o = (<usize>k) << 2;
    store<f32>(out + o, apply1(op, load<f32>(a + o), s));
  }
}

// out = max(x, 0) as the cpu backend's Math.max: NaN stays NaN, -0 becomes 0.
export function relu(x: usize, out: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = (<usize>k) << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), f32x4.splat(0)));
  }
  for (; k < n; k++) {
    const o = (<usize>k) << 2;
    store<f32>(out + o, max<f32>(load<f32>(x + o), 0));
  }
}

// out = x > 0 ? 1 : alpha, NaN for NaN (the cpu backend's rule).
export function step(x: usize, out: usize, n: i32, alpha: f32): void {
  const one = f32x4.splat(1), a = f32x4.splat(alpha);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = (<usize>k) << 2;
    const v = v128.load(x + o);
    const s = v128.bitselect(one, a, f32x4.gt(v, f32x4.splat(0)));
    v128.store(out + o, v128.bitselect(v, s, f32x4.ne(v, v)));
  }
  for (; k < n; k++) {
    const o = (<usize>k) << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, isNaN(v) ? v : v > 0 ? 1 : alpha);
  }
}
