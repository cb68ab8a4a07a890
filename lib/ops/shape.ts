/** Shape and movement ops: view/reshape, permute/transpose (free: they only change the layout), indexing, cat. */
import * as tf from "@tensorflow/tfjs-core";
import { IndexError, RuntimeError, shapeStr } from "../errors";
import { contiguousStrides, normDim, result, Tensor, withStrides } from "../tensor/tensor";
import { contig, toPhys } from "../tensor/layout";

/** Sizes given as separate numbers or as one list: `view(x, 2, -1)` or `view(x, [2, -1])`. */
type Sizes = (number | number[])[];

function flatArgs(args: Sizes): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/**
 * PyTorch's computeStride: the strides `shape` gets as a view of a tensor of `from` sizes and
 * `strides`, or null when some new dim would span two chunks of memory that are not adjacent.
 */
function viewStrides(from: readonly number[], strides: readonly number[], shape: readonly number[]): number[] | null {
  if (from.length === 0) return shape.map(() => 1);
  if (from.reduce((a, d) => a * d, 1) === 0) return contiguousStrides(shape);
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = strides[from.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = from.length - 1; d >= 0; d--) {
    tensorNumel *= from[d];
    if (d === 0 || (from[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/** The sizes `view`/`reshape` ask for, with the -1 filled in, checked against the element count. */
function targetShape(x: Tensor, sizes: Sizes): number[] {
  const shape = flatArgs(sizes);
  const n = x.numel();
  const unknown = shape.filter((d) => d === -1).length;
  const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown > 1) throw new RuntimeError(`only one dimension can be inferred (got ${shapeStr(shape)})`);
  if (shape.some((d) => !Number.isInteger(d) || d < -1)) throw new RuntimeError(`invalid shape dimension in ${shapeStr(shape)}`);
  if ((unknown && (known === 0 || n % known !== 0)) || (!unknown && known !== n)) {
    throw new RuntimeError(`shape '${shapeStr(shape)}' is invalid for input of size ${n}`);
  }
  return unknown ? shape.map((d) => (d === -1 ? n / known : d)) : shape;
}

/** The values in `target` shape (values are always materialised here); its strides as a view, or null for a copy. */
function reshaped(x: Tensor, target: number[], strides: number[] | null): Tensor {
  const perm = x._perm;
  const from = [...x.shape];
  const h = perm ? tf.tidy(() => tf.reshape(contig(x), target)) : tf.reshape(x._h, target);
  return withStrides(result(h, null, "ViewBackward0", [x], (gy) => [toPhys(tf.reshape(gy, from), perm)]), strides);
}

/**
 * The same values in a new shape; one size may be -1 (inferred). As in PyTorch, a view of a
 * transposed, expanded or sliced tensor must not merge dims that are apart in memory.
 */
export function view(x: Tensor, ...sizes: Sizes): Tensor {
  const target = targetShape(x, sizes);
  const strides = x._strides && viewStrides(x.shape, x._strides, target);
  if (x._strides && !strides) {
    throw new RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  }
  return reshaped(x, target, strides);
}

/** `view` where it can be one, else a copy (PyTorch's reshape): never refuses a shape with the right size. */
export function reshape(x: Tensor, ...sizes: Sizes): Tensor {
  const target = targetShape(x, sizes);
  return reshaped(x, target, x._strides && viewStrides(x.shape, x._strides, target));
}

/** `torch.flatten(x, startDim = 0, endDim = -1)`: the dims from startDim to endDim flattened into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = normDim(startDim, x.dim());
  const e = normDim(endDim, x.dim());
  if (x.dim() === 0) return reshape(x, [1]);
  if (s > e) throw new RuntimeError(`flatten() has invalid args: start_dim (${startDim}) cannot come after end_dim (${endDim})`);
  const shape = [...x.shape];
  const middle = shape.slice(s, e + 1).reduce((a, d) => a * d, 1);
  return reshape(x, [...shape.slice(0, s), middle, ...shape.slice(e + 1)]);
}

/** A new view with the logical axes reordered; shares the buffer (a cheap clone of the handle). */
export function permute(x: Tensor, ...order: Sizes): Tensor {
  const dims = flatArgs(order);
  const rank = x.dim();
  if (dims.length !== rank) {
    throw new RuntimeError(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${rank} is not equal to len(dims) = ${dims.length}`);
  }
  const d = dims.map((v) => normDim(v, rank));
  if (new Set(d).size !== rank) throw new RuntimeError(`permute(): repeated dim in ${shapeStr(dims)}`);
  const base = x._perm ?? [...Array(rank).keys()];
  const perm = d.map((v) => base[v]);
  const strides = x._strides ?? contiguousStrides(x.shape);
  return withStrides(result(tf.clone(x._h), perm, "PermuteBackward0", [x], (gy) => [gy]), d.map((v) => strides[v]));
}

/** `torch.transpose(x, dim0, dim1)`: x with dims dim0 and dim1 swapped (a view, not contiguous). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const rank = x.dim();
  const order = [...Array(rank).keys()];
  const [a, b] = [normDim(dim0, rank), normDim(dim1, rank)];
  if (rank === 0) return permute(x, []); // dims 0 and -1 of a 0-dim tensor: itself
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/** The transpose of a 2-D tensor (1-D and 0-D tensors come back as they are). */
export function t(x: Tensor): Tensor {
  if (x.dim() > 2) throw new RuntimeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.dim()}D; use transpose(dim0, dim1)`);
  return x.dim() < 2 ? x : transpose(x, 0, 1);
}

/** `torch.squeeze(x, dim?)`: x without its dims of size 1 (all of them, or only `dim`). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  const shape = [...x.shape];
  if (dim === undefined) return reshape(x, shape.filter((d) => d !== 1));
  const d = normDim(dim, x.dim());
  return shape[d] === 1 ? reshape(x, shape.filter((_, i) => i !== d)) : x;
}

/** `torch.unsqueeze(x, dim)`: x with a dim of size 1 inserted at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const shape = [...x.shape];
  const d = normDim(dim, x.dim() + 1);
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Size-1 dims repeated to `sizes` without copying in PyTorch (a broadcast copy here); -1 keeps a size. */
export function expand(x: Tensor, ...sizes: Sizes): Tensor {
  const shape = flatArgs(sizes);
  const from = [...x.shape];
  const target = shape.map((d, i) => (d === -1 ? from[i - (shape.length - from.length)] : d));
  const lead = target.length - from.length;
  from.forEach((d, i) => {
    if (lead < 0 || (d !== 1 && d !== target[i + lead])) {
      throw new RuntimeError(`The expanded size of the tensor (${target[i + lead]}) must match the existing size (${d}) at non-singleton dimension ${i + lead}. ` +
        `Target sizes: ${shapeStr(shape)}. Tensor sizes: ${shapeStr(from)} (only dims of size 1 can be expanded)`);
    }
  });
  // tf.broadcastTo to a shape with a 0 in it keeps the input's values: an empty target is made directly.
  const h = target.includes(0) ? tf.zeros(target, x._h.dtype) : tf.tidy(() => tf.broadcastTo(contig(x), target));
  const perm = x._perm;
  const axes = target.map((_, i) => i).filter((i) => i < lead || (from[i - lead] === 1 && target[i] !== 1));
  const strides = x._strides ?? contiguousStrides(from);
  const y = result(h, null, "ExpandBackward0", [x], (gy) => [toPhys(tf.reshape(axes.length ? tf.sum(gy, axes) : gy, from), perm)]);
  return withStrides(y, target.map((_, i) => (axes.includes(i) ? 0 : strides[i - lead]))); // expanded dims: stride 0
}

/** One index of `t.index(...)`: a number, a Python slice string ("1:3", ":", "::2", "-3:"), or null for a new axis. */
export type IndexItem = number | string | null;

interface Slice { start: number; stop: number; step: number; }

function parseSlice(spec: string, size: number, dim: number): Slice {
  const m = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/.exec(spec);
  if (!m) throw new IndexError(`index ${JSON.stringify(spec)} for dim ${dim} is not a slice; write it as Python does, e.g. "1:3", ":", "::2"`);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (step <= 0) throw new IndexError(`slice step must be positive (got ${step}) for dim ${dim}`);
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const start = m[1] === undefined ? 0 : clamp(Number(m[1]));
  const stop = m[2] === undefined ? size : clamp(Number(m[2]));
  return { start, stop: Math.max(stop, start), step };
}

export function index(x: Tensor, idx: IndexItem[]): Tensor {
  const shape = [...x.shape];
  const begin: number[] = [];
  const end: number[] = [];
  const strides: number[] = [];
  const outShape: number[] = [];
  const inMemory = x._strides ?? contiguousStrides(shape);
  const outStrides: number[] = []; // PyTorch's strides of the view
  let d = 0;
  for (const item of idx) {
    if (item === null) { outShape.push(1); outStrides.push(1); continue; }
    if (d >= shape.length) throw new IndexError(`too many indices for tensor of dimension ${shape.length}`);
    const size = shape[d];
    if (typeof item === "number") {
      if (!Number.isInteger(item) || item < -size || item >= size) {
        throw new IndexError(`index ${item} is out of bounds for dimension ${d} with size ${size}`);
      }
      const i = item < 0 ? item + size : item;
      begin.push(i); end.push(i + 1); strides.push(1);
    } else {
      const s = parseSlice(item, size, d);
      begin.push(s.start); end.push(s.stop); strides.push(s.step);
      outShape.push(Math.ceil((s.stop - s.start) / s.step));
      outStrides.push(inMemory[d] * s.step);
    }
    d++;
  }
  for (; d < shape.length; d++) {
    begin.push(0); end.push(shape[d]); strides.push(1); outShape.push(shape[d]); outStrides.push(inMemory[d]);
  }
  const perm = x._perm;
  const h = tf.tidy(() => tf.reshape(stridedSlice(contig(x), begin, end, strides), outShape));
  return withStrides(result(h, null, "SliceBackward0", [x], (gy) => {
    // Scatter back: spread each strided dim with zeros, then pad to the input's shape.
    let g = tf.reshape(gy, begin.map((b, i) => Math.ceil((end[i] - b) / strides[i])));
    begin.forEach((b, i) => { g = unslice(g, i, b, end[i], strides[i], shape[i]); });
    return [toPhys(g, perm)];
  }), outStrides);
}

/**
 * tf.stridedSlice, except where the wasm backend's kernel fails: with a step over 1 it labels an
 * int32 or bool result float32 (the int bits read as floats). Those steps gather instead.
 */
function stridedSlice(h: tf.Tensor, begin: number[], end: number[], steps: number[]): tf.Tensor {
  if (h.dtype === "float32" || steps.every((s) => s === 1)) return tf.stridedSlice(h, begin, end, steps);
  const sizes = end.map((e, i) => Math.ceil((e - begin[i]) / steps[i]));
  if (sizes.some((n) => n === 0)) return tf.zeros(sizes, h.dtype);
  let out = tf.slice(h, begin, end.map((e, i) => e - begin[i]));
  steps.forEach((s, axis) => { if (s > 1) out = tf.gather(out, tf.range(0, out.shape[axis], s, "int32"), axis); });
  return out;
}

/** The gradient of taking begin:end:step along `axis` of a dim of `size`: zeros where nothing was taken. */
function unslice(g: tf.Tensor, axis: number, begin: number, end: number, step: number, size: number): tf.Tensor {
  const pads = (before: number, after: number, at: number, rank: number) =>
    Array.from({ length: rank }, (_, k) => (k === at ? [before, after] : [0, 0]) as [number, number]);
  if (step > 1) {
    const shape = g.shape;
    const m = shape[axis];
    const split = [...shape.slice(0, axis), m, 1, ...shape.slice(axis + 1)];
    const spread = tf.pad(tf.reshape(g, split), pads(0, step - 1, axis + 1, split.length));
    const merged = tf.reshape(spread, [...shape.slice(0, axis), m * step, ...shape.slice(axis + 1)]);
    g = tf.slice(merged, shape.map(() => 0), shape.map((_, k) => (k === axis ? end - begin : -1)));
  }
  return tf.pad(g, pads(begin, size - end, axis, g.rank));
}

export function select(x: Tensor, dim: number, i: number): Tensor {
  const d = normDim(dim, x.dim());
  return index(x, [...Array(d).fill(":"), i]);
}

/** `torch.narrow(x, dim, start, length)`: the `length` entries of `dim` from `start` on, a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.dim() === 0) throw new RuntimeError("narrow() cannot be applied to a 0-dim tensor.");
  const d = normDim(dim, x.dim());
  const size = x.shape[d];
  const from = start === size ? start : normDim(start, size); // a start out of [-size, size] is PyTorch's IndexError
  if (from + length > size || length < 0) throw new RuntimeError(`start (${from}) + length (${length}) exceeds dimension size (${size}).`);
  return index(x, [...Array(d).fill(":"), `${from}:${from + length}`]);
}

/** `torch.cat(tensors, dim = 0)`: the tensors joined along an existing dim; all other sizes must match. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RuntimeError("torch.cat(): expected a non-empty list of Tensors");
  const d = normDim(dim, tensors[0].dim());
  const rank = tensors[0].dim();
  tensors.forEach((t, i) => {
    if (t.dim() !== rank || [...t.shape].some((s, k) => k !== d && s !== tensors[0].shape[k])) {
      throw new RuntimeError(`torch.cat(): Sizes of tensors must match except in dimension ${d}. Expected ${shapeStr(tensors[0].shape)} but got ${shapeStr(t.shape)} for tensor number ${i} in the list`);
    }
  });
  const sizes = tensors.map((t) => t.shape[d]);
  const perms = tensors.map((t) => t._perm);
  const h = tf.tidy(() => tf.concat(tensors.map(contig), d));
  return result(h, null, "CatBackward0", tensors, (gy) => tf.split(gy, sizes, d).map((g, i) => toPhys(g, perms[i])));
}

/** `torch.stack(tensors, dim = 0)`: the tensors, all of one shape, joined along a new dim inserted at `dim`. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RuntimeError("stack expects a non-empty TensorList");
  const d = normDim(dim, tensors[0].dim() + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

