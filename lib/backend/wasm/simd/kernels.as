// AssemblyScript source of nnlab's own wasm kernels (compiled by generate.ts into kernels.generated.ts).
// The module imports the tfjs wasm backend's memory and works in place on its tensors: it must own
// no memory of its own (no static data, no runtime), so pointers are byte offsets into that heap.
export { convForward, convFilterGrad, convInputGrad, matMul, transpose } from "./gemm";
export { binaryRows, binaryScalar, maxPool2x2, relu, step } from "./elementwise";

// dx of a 2x2 / stride 2 max pool over x (N, H, W, C), NHWC, float32: each window's gradient goes to
// its first maximum (cpu backend / PyTorch rule; a window of NaN / -Infinity gets none). Writes all
// four dx elements of every window; rows and columns outside every window are left to the caller.
export function maxPoolGrad2x2(x: usize, dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const cs = (<usize>c) << 2;
  const row = (<usize>w) * cs;
  const c4 = c & ~3;
  let g = dy;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      let at = ((<usize>(b * h + 2 * i)) * (<usize>w)) * cs;
      for (let j = 0; j < ow; j++) {
        let ch = 0;
        for (; ch < c4; ch += 4) {
          const p = at + ((<usize>ch) << 2);
          route4(v128.load(x + p), v128.load(x + p + cs), v128.load(x + p + row), v128.load(x + p + row + cs), v128.load(g + ((<usize>ch) << 2)), dx + p, cs, row);
        }
        for (; ch < c; ch++) {
          const p = at + ((<usize>ch) << 2);
          route1(load<f32>(x + p), load<f32>(x + p + cs), load<f32>(x + p + row), load<f32>(x + p + row + cs), load<f32>(g + ((<usize>ch) << 2)), dx + p, cs, row);
        }
        at += 2 * cs;
        g += cs;
      }
    }
  }
}

// Four channels of one window: a, b, c, d are its top-left, top-right, bottom-left, bottom-right.
function route4(a: v128, b: v128, c: v128, d: v128, g: v128, dx: usize, cs: usize, row: usize): void {
  let best = f32x4.splat(-Infinity);
  const ga = f32x4.gt(a, best);
  best = v128.bitselect(a, best, ga);
  const gb = f32x4.gt(b, best);
  best = v128.bitselect(b, best, gb);
  const gc = f32x4.gt(c, best);
  best = v128.bitselect(c, best, gc);
  const gd = f32x4.gt(d, best);
  const laterCD = v128.or(gc, gd);
  const laterBCD = v128.or(gb, laterCD);
  v128.store(dx, v128.and(g, v128.andnot(ga, laterBCD)));
  v128.store(dx + cs, v128.and(g, v128.andnot(gb, laterCD)));
  v128.store(dx + row, v128.and(g, v128.andnot(gc, gd)));
  v128.store(dx + row + cs, v128.and(g, gd));
}

function route1(a: f32, b: f32, c: f32, d: f32, g: f32, dx: usize, cs: usize, row: usize): void {
  let best: f32 = -Infinity;
  let where = -1;
  if (a > best) { best = a; where = 0; }
  if (b > best) { best = b; where = 1; }
  if (c > best) { best = c; where = 2; }
  if (d > best) where = 3;
  store<f32>(dx, where == 0 ? g : 0);
  store<f32>(dx + cs, where == 1 ? g : 0);
  store<f32>(dx + row, where == 2 ? g : 0);
  store<f32>(dx + row + cs, where == 3 ? g : 0);
}

// out (C) = sum over r of x (R, C), summed in blocks of 256 rows in `block` (C floats of scratch)
// so the float32 error grows with the block count, not with R.
export function sumRows(x: usize, out: usize, block: usize, rows: i32, c: i32): void {
  const cs = (<usize>c) << 2;
  memory.fill(out, 0, cs);
  for (let r0 = 0; r0 < rows; r0 += 256) {
    memory.fill(block, 0, cs);
    const r1 = min(rows, r0 + 256);
    for (let r = r0; r < r1; r++) addRun(block, x + (<usize>r) * cs, c);
    addRun(out, block, c);
  }
}

// dst[0, len) += src[0, len), float32.
function addRun(dst: usize, src: usize, len: i32): void {
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const at = (<usize>k) << 2;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
  for (; k < len; k++) {
    const at = (<usize>k) << 2;
    store<f32>(dst + at, load<f32>(dst + at) + load<f32>(src + at));
  }
}

// One step of torch.optim.SGD over n floats, in the order of its definition (so the bits are those
// of the tf ops it replaces): g = grad + p * wd; buf = buf * momentum + g * keep (buf = g on the
// first step, hasBuf == 0; skipped when momentum == 0); g = nesterov ? g + buf * momentum : buf;
// pOut = p - g * lr. keep is 1 - dampening; keep == 1 and wd == 0 skip their products.
export function sgdStep(p: usize, grad: usize, buf: usize, pOut: usize, bufOut: usize, n: i32,
                        lr: f32, momentum: f32, keep: f32, wd: f32, nesterov: i32, hasBuf: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    const pv = v128.load(p + at);
    let g = v128.load(grad + at);
    if (wd != 0) g = f32x4.add(g, f32x4.mul(pv, f32x4.splat(wd)));
    if (momentum != 0) {
      let b = g;
      if (hasBuf != 0) b = f32x4.add(f32x4.mul(v128.load(buf + at), f32x4.splat(momentum)), keep != 1 ? f32x4.mul(g, f32x4.splat(keep)) : g);
      v128.store(bufOut + at, b);
      g = nesterov != 0 ? f32x4.add(g, f32x4.mul(b, f32x4.splat(momentum))) : b;
    }
    v128.store(pOut + at, f32x4.sub(pv, f32x4.mul(g, f32x4.splat(lr))));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const pv = load<f32>(p + at);
    let g = load<f32>(grad + at);
    if (wd != 0) g = g + pv * wd;
    if (momentum != 0) {
      let b = g;
      if (hasBuf != 0) b = load<f32>(buf + at) * momentum + (keep != 1 ? g * keep : g);
      store<f32>(bufOut + at, b);
      g = nesterov != 0 ? g + b * momentum : b;
    }
    store<f32>(pOut + at, pv - g * lr);
  }
}
