// Convolutions and matrix products as tiled products, float32, NHWC, in place on the tfjs heap.
//
// Every product here is out (rows, cols) = A (rows, K) . B (K, cols), computed in tiles of 4 rows x
// 8 (or 4) columns whose 8 (or 4) accumulators stay in registers: per step of K, 2 loads of B, 4
// broadcasts of A and 8 multiply-adds (measured 35-50 GFLOP/s on one core, against 12.5 for the
// XNNPACK kernels tfjs ships and their per-call weight packing). A's rows are read where they lie:
// row r is `ngrp` groups of `nseg` segments of `segLen` values `stepA` bytes apart, segments
// `segStride` and groups `grpStride` bytes apart, while B's rows follow each other `ldb` bytes apart
// throughout. So a convolution reads its input in place (an implicit im2col: one segment per kernel
// row), a filter gradient walks the input at the forward stride (a segment per output row, a group
// per image), and a plain matrix product is one segment with stepA = 4.
//
// Columns come in tiles of 8. Where a tile overwrites its outputs, a remainder of 1-7 columns is
// covered by a tile that overlaps the one before it (computing some columns twice, with identical
// results), so at least 4 columns are needed and nothing is read or written outside a tensor; where
// it adds to them (the input gradient), the last tile stores only its first `lanes` columns. A last
// row tile with fewer than 4 rows computes its last row again and stores it once: a row whose output
// pointer is 0 is not stored.

// Epilogue flags of a tile; bits 4-6 hold how many of a 4-column tile's columns to store (0: all).
const RELU = 1; // ReLU after the bias
const ACCUMULATE = 2; // add to what the output holds

// Multiply and add. Relaxed SIMD's fused f32x4.relaxed_madd (V8 enables it with
// --experimental-wasm-relaxed-simd, also through v8.setFlagsFromString before the module compiles)
// was measured against this on the lecture's shapes: -8 % to +15 % per kernel, no gain overall, as
// this machine's cores issue two 128-bit multiplies and two adds per cycle either way.
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

// out[r] (8 columns at o_r) = sum over the segments of A[r] (broadcast) * B (2 vectors), then the epilogue.
@inline function tile4x8(a0: usize, a1: usize, a2: usize, a3: usize, stepA: usize, segLen: i32, nseg: i32, segStride: usize,
                 ngrp: i32, grpStride: usize, b: usize, ldb: usize, o0: usize, o1: usize, o2: usize, o3: usize, bias: usize, flags: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const run = <usize>segLen * stepA;
  for (let g: usize = 0, group: usize = 0; g < <usize>ngrp; g++, group += grpStride) {
    for (let s: usize = 0, start = group; s < <usize>nseg; s++, start += segStride) {
      for (let off = start, end = start + run; off < end; off += stepA) {
        const b0 = v128.load(b), b1 = v128.load(b, 16);
        let x = v128.load32_splat(a0 + off);
        c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
        x = v128.load32_splat(a1 + off);
        c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
        x = v128.load32_splat(a2 + off);
        c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
        x = v128.load32_splat(a3 + off);
        c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
        b += ldb;
      }
    }
  }
  finish(o0, 0, c00, bias, flags); finish(o0, 16, c01, bias, flags);
  finish(o1, 0, c10, bias, flags); finish(o1, 16, c11, bias, flags);
  finish(o2, 0, c20, bias, flags); finish(o2, 16, c21, bias, flags);
  finish(o3, 0, c30, bias, flags); finish(o3, 16, c31, bias, flags);
}

// tile4x8 for 4 columns.
@inline function tile4x4(a0: usize, a1: usize, a2: usize, a3: usize, stepA: usize, segLen: i32, nseg: i32, segStride: usize,
                 ngrp: i32, grpStride: usize, b: usize, ldb: usize, o0: usize, o1: usize, o2: usize, o3: usize, bias: usize, flags: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const run = <usize>segLen * stepA;
  for (let g: usize = 0, group: usize = 0; g < <usize>ngrp; g++, group += grpStride) {
    for (let s: usize = 0, start = group; s < <usize>nseg; s++, start += segStride) {
      for (let off = start, end = start + run; off < end; off += stepA) {
        const b0 = v128.load(b);
        c0 = madd(v128.load32_splat(a0 + off), b0, c0);
        c1 = madd(v128.load32_splat(a1 + off), b0, c1);
        c2 = madd(v128.load32_splat(a2 + off), b0, c2);
        c3 = madd(v128.load32_splat(a3 + off), b0, c3);
        b += ldb;
      }
    }
  }
  finish(o0, 0, c0, bias, flags);
  finish(o1, 0, c1, bias, flags);
  finish(o2, 0, c2, bias, flags);
  finish(o3, 0, c3, bias, flags);
}

// Stores 4 accumulated columns at o + at (none when o is 0): plus what they hold (ACCUMULATE), plus
// 4 bias values at bias + at (bias != 0), then ReLU. With a column count in flags (ACCUMULATE only)
// it adds that many.
@inline function finish(o: usize, at: usize, acc: v128, bias: usize, flags: i32): void {
  if (o == 0) return;
  o += at;
  const lanes = flags >> 4;
  if (lanes != 0) {
    store<f32>(o, load<f32>(o) + f32x4.extract_lane(acc, 0));
    if (lanes > 1) store<f32>(o, load<f32>(o, 4) + f32x4.extract_lane(acc, 1), 4);
    if (lanes > 2) store<f32>(o, load<f32>(o, 8) + f32x4.extract_lane(acc, 2), 8);
    return;
  }
  if (flags & ACCUMULATE) acc = f32x4.add(acc, v128.load(o));
  if (bias != 0) acc = f32x4.add(acc, v128.load(bias + at));
  if (flags & RELU) acc = f32x4.max(acc, f32x4.splat(0));
  v128.store(o, acc);
}

// First column of the tile that starts at column c of [c0, c1): tiles of 8, then 8 or 4 that end at c1.
@inline function tileColumn(c: i32, c0: i32, c1: i32): i32 {
  const left = c1 - c;
  if (left >= 8) return c;
  if (left > 4 && c1 - 8 >= c0) return c1 - 8;
  return left >= 4 ? c : c1 - 4;
}

@inline function tileWidth(c: i32, c0: i32, c1: i32): i32 {
  const left = c1 - c;
  return left >= 8 || (left > 4 && c1 - 8 >= c0) ? 8 : 4;
}

// One tile of `rows` (1-4) rows of A at a, a + rowStep, ... against `width` (8 or 4) columns of B at b,
// stored at o, o + ldo, ... (rows past `rows` compute the last row again and are not stored).
@inline function tile(width: i32, a: usize, rowStep: usize, rows: i32, stepA: usize, segLen: i32, nseg: i32, segStride: usize,
                      b: usize, ldb: usize, o: usize, ldo: usize, bias: usize, flags: i32): void {
  const r1: usize = rows > 1 ? 1 : 0, r2: usize = rows > 2 ? 2 : rows - 1, r3: usize = rows > 3 ? 3 : rows - 1;
  const o1 = rows > 1 ? o + ldo : 0, o2 = rows > 2 ? o + 2 * ldo : 0, o3 = rows > 3 ? o + 3 * ldo : 0;
  if (width == 8) {
    tile4x8(a, a + r1 * rowStep, a + r2 * rowStep, a + r3 * rowStep, stepA, segLen, nseg, segStride, 1, 0,
      b, ldb, o, o1, o2, o3, bias, flags);
  } else {
    tile4x4(a, a + r1 * rowStep, a + r2 * rowStep, a + r3 * rowStep, stepA, segLen, nseg, segStride, 1, 0,
      b, ldb, o, o1, o2, o3, bias, flags);
  }
}

// Output rows (image, row) handled per cache block: about 64 pixels, so the block's input stays in
// cache while every column tile passes over it.
const BLOCK_PIXELS = 64;

// y (n, oh, ow, cout) = x (n, hp, wp, cin) correlated with w (kh, kw, cin, cout) at stride (sh, sw),
// plus bias (cout floats, or 0 for none), then ReLU when relu != 0; x is already padded. Computes
// output rows [r0, r1) (row = image * oh + i) and columns [c0, c1) (c1 - c0 >= 4).
export function convForward(x: usize, w: usize, bias: usize, y: usize, hp: i32, wp: i32, cin: i32, oh: i32, ow: i32, cout: i32,
                            kh: i32, kw: i32, sh: i32, sw: i32, relu: i32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  const cs = (<usize>cin) << 2;
  const rowStride = <usize>wp * cs;
  const ldb = (<usize>cout) << 2;
  const rowStep = <usize>sw * cs;
  const flags = relu != 0 ? RELU : 0;
  const blockRows = max(1, BLOCK_PIXELS / ow);
  for (let rb = r0; rb < r1; rb += blockRows) {
    const re = min(r1, rb + blockRows);
    for (let c = c0; c < c1; ) {
      const col = tileColumn(c, c0, c1), width = tileWidth(c, c0, c1);
      const co = (<usize>col) << 2;
      for (let r = rb; r < re; r++) {
        const image = r / oh, i = r % oh;
        const xRow = x + (<usize>(image * hp + i * sh)) * rowStride;
        const yRow = y + (<usize>r) * (<usize>ow) * ldb;
        for (let j = 0; j < ow; j += 4) {
          tile(width, xRow + <usize>j * rowStep, rowStep, min(4, ow - j), 4, kw * cin, kh, rowStride,
            w + co, ldb, yRow + <usize>j * ldb + co, ldb, bias != 0 ? bias + co : 0, flags);
        }
      }
      c = col + width;
    }
  }
}

// Rows of K per pass of a matrix product: B's panel of 8 columns (K_BLOCK cache lines) stays in L1.
const K_BLOCK = 256;

// c (m, n) = a (m, k) . b (k, n) (+ bias (n)) (ReLU when relu != 0), all row-major, for columns
// [c0, c1) (c1 - c0 >= 4). K is taken in blocks of K_BLOCK, each added to the output of the ones
// before (for the 784x512 weight of the lecture's FC net 39-43 GFLOP/s against 31-34 in one pass),
// when the columns come in whole tiles of 8 and 4: an overlapping tile would add its columns twice.
export function matMul(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, relu: i32, c0: i32, c1: i32): void {
  const lda = (<usize>k) << 2, ldb = (<usize>n) << 2;
  const block = (c1 - c0) % 4 == 0 ? K_BLOCK : k;
  for (let k0 = 0; k0 < k; k0 += block) {
    const kb = min(block, k - k0);
    const last = k0 + kb == k;
    const flags = (k0 > 0 ? ACCUMULATE : 0) | (last && relu != 0 ? RELU : 0);
    const at = (<usize>k0) << 2;
    for (let col = c0; col < c1; ) {
      const start = tileColumn(col, c0, c1), width = tileWidth(col, c0, c1);
      const co = (<usize>start) << 2;
      for (let i = 0; i < m; i += 4) {
        tile(width, a + <usize>i * lda + at, lda, min(4, m - i), 4, kb, 1, 0, b + (<usize>k0) * ldb + co, ldb,
          c + <usize>i * ldb + co, ldb, last && bias != 0 ? bias + co : 0, flags);
      }
      col = start + width;
    }
  }
}

// c (m, n) = a (m, k) . b (n, k)^T (+ bias (n)) (ReLU when relu != 0), both row-major, for columns
// [c0, c1) (c1 - c0 >= 4): every output is the dot product of a row of a and a row of b, so neither
// is transposed first (nn.Linear's input gradient against its weight stored (in, out)). Tiles of 2
// rows x 4 columns keep 8 accumulators of 4 partial sums each, added across lanes at the end; a
// last tile of columns overlaps the one before it, a last single row is computed twice and stored once.
export function matMulTransposedB(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, relu: i32, c0: i32, c1: i32): void {
  const lda = (<usize>k) << 2, ldc = (<usize>n) << 2;
  const flags = relu != 0 ? RELU : 0;
  for (let col = c0; col < c1; col += 4) {
    const start = col + 4 <= c1 ? col : c1 - 4;
    const b0 = b + (<usize>start) * lda;
    for (let i = 0; i < m; i += 2) {
      const a0 = a + (<usize>i) * lda, a1 = i + 1 < m ? a0 + lda : a0;
      const o0 = c + (<usize>i) * ldc + ((<usize>start) << 2);
      dot2x4(a0, a1, b0, lda, k, o0, i + 1 < m ? o0 + ldc : 0, bias != 0 ? bias + ((<usize>start) << 2) : 0, flags);
    }
  }
}

// out[r] (4 columns at o_r) = a_r . b_j for rows a0, a1 and the 4 rows of b at b0, b0 + ldb, ...
// (k values each), then the epilogue; o1 = 0 stores nothing for the second row.
@inline function dot2x4(a0: usize, a1: usize, b0: usize, ldb: usize, k: i32, o0: usize, o1: usize, bias: usize, flags: i32): void {
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  const whole = (<usize>(k & ~3)) << 2, end = (<usize>k) << 2;
  for (let off: usize = 0; off < whole; off += 16) {
    const x0 = v128.load(a0 + off), x1 = v128.load(a1 + off);
    let y = v128.load(b0 + off);
    s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
    y = v128.load(b1 + off);
    s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
    y = v128.load(b2 + off);
    s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
    y = v128.load(b3 + off);
    s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
  }
  // The last k % 4 values, each in lane 0 only.
  for (let off = whole; off < end; off += 4) {
    const x0 = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(a0 + off)), x1 = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(a1 + off));
    let y = v128.load32_splat(b0 + off);
    s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
    y = v128.load32_splat(b1 + off);
    s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
    y = v128.load32_splat(b2 + off);
    s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
    y = v128.load32_splat(b3 + off);
    s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
  }
  finish(o0, 0, lanesSummed(s00, s01, s02, s03), bias, flags);
  finish(o1, 0, lanesSummed(s10, s11, s12, s13), bias, flags);
}

// [sum of p's lanes, q's, r's, t's].
@inline function lanesSummed(p: v128, q: v128, r: v128, t: v128): v128 {
  const pq = f32x4.add(v128.shuffle<f32>(p, q, 0, 4, 2, 6), v128.shuffle<f32>(p, q, 1, 5, 3, 7)); // p01 q01 p23 q23
  const rt = f32x4.add(v128.shuffle<f32>(r, t, 0, 4, 2, 6), v128.shuffle<f32>(r, t, 1, 5, 3, 7));
  return f32x4.add(v128.shuffle<f32>(pq, rt, 0, 1, 4, 5), v128.shuffle<f32>(pq, rt, 2, 3, 6, 7));
}

// dw (kh, kw, cin, cout) = sum over the output pixels of images [b0, b1) of x (n, hp, wp, cin) at
// the pixel's tap times dy (n, oh, ow, cout), for filter rows k = (kh, kw, cin) in [k0, k1) and
// columns [c0, c1); stride (sh, sw), x already padded. A product dw (cin, cout) = x^T . dy of
// x (m, cin) and dy (m, cout) is the 1x1 case with one image: hp = oh = kh = kw = 1, wp = ow = m.
export function convFilterGrad(x: usize, dy: usize, dw: usize, hp: i32, wp: i32, cin: i32, oh: i32, ow: i32, cout: i32,
                               kh: i32, kw: i32, sh: i32, sw: i32, b0: i32, b1: i32, k0: i32, k1: i32, c0: i32, c1: i32): void {
  const cs = (<usize>cin) << 2;
  const rowStride = <usize>wp * cs;
  const ldb = (<usize>cout) << 2;
  const segLen = kw * cin;
  const images = x + (<usize>b0) * (<usize>hp) * rowStride;
  const dyImages = dy + (<usize>b0) * (<usize>(oh * ow)) * ldb;
  for (let k = k0; k < k1; k += 4) {
    // The tile's 4 filter rows as offsets of their taps from a pixel's first tap (the last repeats).
    const last = min(k + 3, k1 - 1);
    const t0 = images + tapOffset(k, segLen, rowStride, cs), t1 = images + tapOffset(min(k + 1, last), segLen, rowStride, cs);
    const t2 = images + tapOffset(min(k + 2, last), segLen, rowStride, cs), t3 = images + tapOffset(last, segLen, rowStride, cs);
    const o0 = dw + (<usize>k) * ldb, o1 = last > k ? o0 + ldb : 0, o2 = last > k + 1 ? o0 + 2 * ldb : 0, o3 = last > k + 2 ? o0 + 3 * ldb : 0;
    for (let c = c0; c < c1; ) {
      const col = tileColumn(c, c0, c1), width = tileWidth(c, c0, c1);
      const co = (<usize>col) << 2;
      const p1 = o1 != 0 ? o1 + co : 0, p2 = o2 != 0 ? o2 + co : 0, p3 = o3 != 0 ? o3 + co : 0;
      if (width == 8) {
        tile4x8(t0, t1, t2, t3, <usize>sw * cs, ow, oh, <usize>sh * rowStride, b1 - b0, <usize>hp * rowStride,
          dyImages + co, ldb, o0 + co, p1, p2, p3, 0, 0);
      } else {
        tile4x4(t0, t1, t2, t3, <usize>sw * cs, ow, oh, <usize>sh * rowStride, b1 - b0, <usize>hp * rowStride,
          dyImages + co, ldb, o0 + co, p1, p2, p3, 0, 0);
      }
      c = col + width;
    }
  }
}

// Byte offset of filter row k = (kernel row, kernel column * cin + channel) from a pixel's first tap.
@inline function tapOffset(k: i32, segLen: i32, rowStride: usize, cs: usize): usize {
  return (<usize>(k / segLen)) * rowStride + ((<usize>(k % segLen)) << 2);
}

// dx (n, hp, wp, cin) for images [b0, b1) = the input gradient of convForward: each output pixel's
// dy (cout) times wT (cout, kh * kw * cin) gives the gradients of the kw * cin inputs each kernel row
// read, a run of dx that the tile adds to in place. dx is padded like the forward input (the caller
// crops it); wT is read up to 3 floats past its end.
export function convInputGrad(dy: usize, wT: usize, dx: usize, hp: i32, wp: i32, cin: i32, oh: i32, ow: i32, cout: i32,
                              kh: i32, kw: i32, sh: i32, sw: i32, b0: i32, b1: i32): void {
  const cs = (<usize>cin) << 2;
  const rowStride = <usize>wp * cs;
  const segLen = kw * cin;
  const ldk = (<usize>(kh * segLen)) << 2, ldy = (<usize>cout) << 2, pixelStep = <usize>sw * cs;
  memory.fill(dx + (<usize>b0) * (<usize>hp) * rowStride, 0, (<usize>(b1 - b0)) * (<usize>hp) * rowStride);
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < oh; i++) {
      const dyRow = dy + (<usize>(b * oh + i)) * (<usize>ow) * ldy;
      for (let y = 0; y < kh; y++) {
        const dxRow = dx + (<usize>(b * hp + i * sh + y)) * rowStride;
        const wRow = wT + (<usize>(y * segLen) << 2);
        for (let c = 0; c < segLen; c += 8) {
          const left = segLen - c;
          const width = left >= 8 ? 8 : 4;
          const flags = ACCUMULATE | (left < 4 ? left << 4 : 0);
          const co = (<usize>c) << 2;
          for (let j = 0; j < ow; j += 4) {
            tile(width, dyRow + <usize>j * ldy, ldy, min(4, ow - j), 4, cout, 1, 0, wRow + co, ldk, dxRow + <usize>j * pixelStep + co, pixelStep, 0, flags);
          }
          if (left > 4 && left < 8) c -= 4; // then the last 1-3 columns
        }
      }
    }
  }
}

// dst (cols, rows) = src (rows, cols), float32.
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + ((<usize>(c * rows + r)) << 2), load<f32>(src + ((<usize>(r * cols + c)) << 2)));
  }
}
