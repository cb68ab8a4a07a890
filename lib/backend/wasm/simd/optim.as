// Optimizer updates, float32.

// One step of torch.optim.SGD over n floats, in the order of its definition (so the bits are those
// of the tf ops it replaces): g = grad + p * wd; buf = buf * momentum + g * keep (buf = g on the
// first step, hasBuf == 0; skipped when momentum == 0); g = nesterov ? g + buf * momentum : buf;
// pOut = p - g * lr. keep is 1 - dampening; keep == 1 and wd == 0 skip their products. Updates
// the floats [i0, i1) of the parameter.
export function sgdStep(p: usize, grad: usize, buf: usize, pOut: usize, bufOut: usize, i0: i32, i1: i32,
                        lr: f32, momentum: f32, keep: f32, wd: f32, nesterov: i32, hasBuf: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
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
  for (; i < i1; i++) {
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
