// The 2x2 / stride 2 max pool (the lecture's) and its gradient, float32, NHWC.

// y (N, OH, OW, C) = the maximum of each 2x2 window of x (N, H, W, C) at stride 2, no padding; a
// window's NaNs are passed over, as by the cpu backend (and by MaxPoolGrad, which routes dy to the
// window's first maximum). With c >= 4 a last 1-3 channels come from a vector that overlaps the one
// before (a scalar tail made the lecture's pool 0.35 ms, against 0.22 for XNNPACK's). Images
// [b0, b1) of the batch: the kernel pool runs parts of it on its threads.
export function maxPool2x2(x: usize, y: usize, b0: i32, b1: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const cs = (<usize>c) << 2;
  const row = (<usize>w) * cs;
  const vectors = c >= 4 ? (c + 3) >> 2 : 0;
  let out = y + (<usize>b0) * (<usize>(oh * ow)) * cs;
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < oh; i++) {
      let at = x + ((<usize>(b * h + 2 * i)) * (<usize>w)) * cs;
      for (let j = 0; j < ow; j++, at += 2 * cs, out += cs) {
        for (let v = 0; v < vectors; v++) {
          const o = (<usize>min(4 * v, c - 4)) << 2;
          const p = at + o;
          const top = max4(max4(f32x4.splat(-Infinity), v128.load(p)), v128.load(p + cs));
          v128.store(out + o, max4(max4(top, v128.load(p + row)), v128.load(p + row + cs)));
        }
        for (let k = vectors > 0 ? c : 0; k < c; k++) {
          const p = at + ((<usize>k) << 2);
          store<f32>(out + ((<usize>k) << 2), max1(max1(max1(max1(-Infinity, load<f32>(p)), load<f32>(p + cs)), load<f32>(p + row)), load<f32>(p + row + cs)));
        }
      }
    }
  }
}

// best, or v where v > best (a NaN v never wins).
@inline function max4(best: v128, v: v128): v128 {
  return v128.bitselect(v, best, f32x4.gt(v, best));
}

@inline function max1(best: f32, v: f32): f32 {
  return v > best ? v : best;
}

// dx of a 2x2 / stride 2 max pool over x (N, H, W, C), NHWC, float32: each window's gradient goes to
// its first maximum (cpu backend / PyTorch rule; a window of NaN / -Infinity gets none). Writes all
// four dx elements of every window; rows and columns outside every window are left to the caller.
// With c >= 4 a last 1-3 channels come from a vector that overlaps the one before (same values).
// Images [b0, b1) of the batch, as maxPool2x2.
export function maxPoolGrad2x2(x: usize, dy: usize, dx: usize, b0: i32, b1: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const cs = (<usize>c) << 2;
  const row = (<usize>w) * cs;
  const vectors = c >= 4 ? (c + 3) >> 2 : 0;
  let g = dy + (<usize>b0) * (<usize>(oh * ow)) * cs;
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < oh; i++) {
      let at = ((<usize>(b * h + 2 * i)) * (<usize>w)) * cs;
      for (let j = 0; j < ow; j++) {
        for (let v = 0; v < vectors; v++) {
          const o = (<usize>min(4 * v, c - 4)) << 2;
          const p = at + o;
          route4(v128.load(x + p), v128.load(x + p + cs), v128.load(x + p + row), v128.load(x + p + row + cs), v128.load(g + o), dx + p, cs, row);
        }
        for (let ch = vectors > 0 ? c : 0; ch < c; ch++) {
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
