// AssemblyScript source of nnlab's own wasm kernels (compiled by generate.ts into kernels.generated.ts).
// The module imports the tfjs wasm backend's memory and works in place on its tensors: it must own
// no memory of its own (no static data, no runtime), so pointers are byte offsets into that heap.
export { convForward, convFilterGrad, convInputGrad, matMul, matMulTransposedB, transpose } from "./gemm";
export { binaryRows, binaryScalar, relu, step } from "./elementwise";
export { maxPool2x2, maxPoolGrad2x2 } from "./pool";
export { sgdStep } from "./optim";

// out (C) = sum over r of x (R, C). Rows are taken g at a time (g * c a multiple of 4, so runs have
// no scalar tail: the lecture's conv1 bias gradient, c = 10, 0.20 -> 0.13 ms) and summed in blocks of
// 256 into `block` (8 * c floats of scratch), so the float32 error grows with the block count, not
// with R; the g partial sums and the last rows % g rows are added at the end.
export function sumRows(x: usize, out: usize, block: usize, rows: i32, c: i32): void {
  const g = c % 4 == 0 ? 1 : c % 2 == 0 ? 2 : 4;
  const cs = (<usize>c) << 2, ws = (<usize>g) * cs;
  const groups = rows / g;
  memory.fill(out, 0, cs);
  memory.fill(block, 0, ws);
  for (let r0 = 0; r0 < groups; r0 += 256) {
    const r1 = min(groups, r0 + 256);
    const sum = block + ws; // the block's own sum, after the running one
    memory.fill(sum, 0, ws);
    for (let r = r0; r < r1; r++) addRun(sum, x + (<usize>r) * ws, g * c);
    addRun(block, sum, g * c);
  }
  for (let i = 0; i < g; i++) addRun(out, block + (<usize>i) * cs, c);
  for (let r = groups * g; r < rows; r++) addRun(out, x + (<usize>r) * cs, c);
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
