/** Shape and movement ops: view/reshape, permute/transpose (free: they only change the layout), indexing, cat. */
import * as tf from "@tensorflow/tfjs-core";
import { IndexError, RuntimeError, shapeStr } from "../errors";
import { normDim, result, Tensor } from "../tensor/tensor";
import { contig, toPhys } from "../tensor/layout";

/** Sizes given as separate numbers or as one list: `view(x, 2, -1)` or `view(x, [2, -1])`. */
type Sizes = (number | number[])[];

function flatArgs(args: Sizes): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/** The same values in a new shape; one size may be -1 (inferred). */
export function view(x: Tensor, ...sizes: Sizes): Tensor {
  const shape = flatArgs(sizes);
  const n = x.numel();
  const unknown = shape.filter((d) => d === -1).length;
  const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown > 1) throw new RuntimeError(`only one dimension can be inferred (got ${shapeStr(shape)})`);
  if (shape.some((d) => !Number.isInteger(d) || d < -1)) throw new RuntimeError(`invalid shape dimension in ${shapeStr(shape)}`);
  const target = unknown ? shape.map((d) => (d === -1 ? n / known : d)) : shape;
  if ((unknown && (known === 0 || n % known !== 0)) || (!unknown && known !== n)) {
    throw new RuntimeError(`shape '${shapeStr(shape)}' is invalid for input of size ${n}`);
  }
  const perm = x._perm;
  const from = [...x.shape];
  const h = perm ? tf.tidy(() => tf.reshape(contig(x), target)) : tf.reshape(x._h, target);
  return result(h, null, "ViewBackward0", [x], (gy) => [toPhys(tf.reshape(gy, from), perm)]);
}

/** `torch.flatten(x, startDim = 0, endDim = -1)`: the dims from startDim to endDim flattened into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.dim() === 0) return view(x, [1]);
  const s = normDim(startDim, x.dim());
  const e = normDim(endDim, x.dim());
  if (s > e) throw new RuntimeError(`flatten() has invalid args: start_dim (${startDim}) cannot come after end_dim (${endDim})`);
  const shape = [...x.shape];
  const middle = shape.slice(s, e + 1).reduce((a, d) => a * d, 1);
  return view(x, [...shape.slice(0, s), middle, ...shape.slice(e + 1)]);
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
  return result(tf.clone(x._h), perm, "PermuteBackward0", [x], (gy) => [gy]);
}

/** `torch.transpose(x, dim0, dim1)`: x with dims dim0 and dim1 swapped (a view, not contiguous). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const rank = x.dim();
  const order = [...Array(rank).keys()];
  const [a, b] = [normDim(dim0, rank), normDim(dim1, rank)];
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/** The transpose of a 2-D tensor (1-D and 0-D tensors come back as they are). */
export function t(x: Tensor): Tensor {
  if (x.dim() > 2) throw new RuntimeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.dim()}D; use transpose(dim0, dim1)`);
  return x.dim() < 2 ? x : transpose(x, 0, 1);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  const shape = [...x.shape];
  if (dim === undefined) return view(x, shape.filter((d) => d !== 1));
  const d = normDim(dim, x.dim());
  return shape[d] === 1 ? view(x, shape.filter((_, i) => i !== d)) : x;
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const shape = [...x.shape];
  const d = normDim(dim, x.dim() + 1);
  shape.splice(d, 0, 1);
  return view(x, shape);
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
  const h = tf.tidy(() => tf.broadcastTo(contig(x), target));
  const perm = x._perm;
  return result(h, null, "ExpandBackward0", [x], (gy) => {
    const axes = target.map((_, i) => i).filter((i) => i < lead || (from[i - lead] === 1 && target[i] !== 1));
    return [toPhys(tf.reshape(axes.length ? tf.sum(gy, axes) : gy, from), perm)];
  });
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
  let d = 0;
  for (const item of idx) {
    if (item === null) { outShape.push(1); continue; }
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
    }
    d++;
  }
  for (; d < shape.length; d++) {
    begin.push(0); end.push(shape[d]); strides.push(1); outShape.push(shape[d]);
  }
  const perm = x._perm;
  const h = tf.tidy(() => tf.reshape(tf.stridedSlice(contig(x), begin, end, strides), outShape));
  return result(h, null, "SliceBackward0", [x], (gy) => {
    // Scatter back: spread each strided dim with zeros, then pad to the input's shape.
    let g = tf.reshape(gy, begin.map((b, i) => Math.ceil((end[i] - b) / strides[i])));
    begin.forEach((b, i) => { g = unslice(g, i, b, end[i], strides[i], shape[i]); });
    return [toPhys(g, perm)];
  });
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

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.dim());
  return index(x, [...Array(d).fill(":"), `${start}:${start + length}`]);
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

