// Runs of float32 values.

// dst[0, len) += src[0, len).
export function addRun(dst: usize, src: usize, len: i32): void {
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
