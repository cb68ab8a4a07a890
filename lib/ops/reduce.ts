/** Reductions: sum, mean, max/min (with indices), argmax. */
import * as tf from "@tensorflow/tfjs-core";
import { IndexError, RuntimeError } from "../errors";
import { dimArg, normDim, result, Tensor, type DimArg } from "../tensor/tensor";
import { cast, checkIntRange } from "./pointwise";
import { contig, toPhys } from "../tensor/layout";

/** `torch.max(t, dim)`: destructures as `[values, indices]`, also has `.values` / `.indices`. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

/** The axes to reduce; a 0-dim tensor takes dim 0 or -1 and has none to reduce, as in PyTorch. */
function dims(x: Tensor, dim: number | number[]): number[] {
  const list = Array.isArray(dim) ? dim : [dim];
  const axes = list.map((d) => normDim(d, x.dim()));
  if (new Set(axes).size !== axes.length) throw new RuntimeError(`dim ${axes.find((d, i) => axes.indexOf(d) !== i)} appears multiple times in the list of dims`);
  return x.dim() === 0 ? [] : axes.sort((a, b) => a - b);
}

/** Shape of a keepdim reduction over `axes`. */
function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceOp(name: string, x: Tensor, dim: number | number[] | undefined, keepdim: boolean, mean: boolean): Tensor {
  const src = x.dtype === "bool" ? cast(x, "int64") : x;
  if (dim === undefined) {
    // Over everything: layout does not matter.
    const h = src._h;
    const n = h.size;
    const out = mean ? tf.mean(h) : checkIntRange("sum", tf.sum(h), () => tf.sum(tf.cast(h, "float32")));
    return result(out, null, name + "0", [src], (gy) => [tf.broadcastTo(mean ? tf.div(gy, n) : gy, h.shape)]);
  }
  const axes = dims(src, dim);
  const c = contig(src);
  const shape = [...src.shape];
  const perm = src._perm;
  const count = axes.reduce((a, ax) => a * shape[ax], 1);
  let out: tf.Tensor;
  try {
    out = mean ? tf.mean(c, axes, keepdim) : checkIntRange("sum", tf.sum(c, axes, keepdim), () => tf.sum(tf.cast(c, "float32"), axes, keepdim));
  } finally {
    if (perm) c.dispose();
  }
  return result(out, null, name + "1", [src], (gy) => {
    const g = tf.broadcastTo(tf.reshape(mean ? tf.div(gy, count) : gy, keptShape(shape, axes)), shape);
    return [toPhys(g, perm)];
  });
}

/** `torch.sum(t)` over everything, or over `dim` (a dim or a list of dims). */
export function sum(x: Tensor, dim?: DimArg<number | number[]>, keepdim = false): Tensor {
  const a = dimArg(dim, keepdim);
  return reduceOp("SumBackward", x, a.dim, a.keepdim, false);
}

/** `torch.mean(t)` over everything, or over `dim` (a dim or a list of dims); float tensors only. */
export function mean(x: Tensor, dim?: DimArg<number | number[]>, keepdim = false): Tensor {
  if (x.dtype !== "float32") {
    throw new RuntimeError(`mean(): could not infer output dtype. Input dtype must be floating point, but got ${x.dtype}; use .float() first`);
  }
  const a = dimArg(dim, keepdim);
  return reduceOp("MeanBackward", x, a.dim, a.keepdim, true);
}

/** Max (or min) over all elements; the gradient is shared evenly among ties, as in PyTorch. */
function extremeAll(x: Tensor, largest: boolean): Tensor {
  if (x.numel() === 0) throw new RuntimeError(`${largest ? "max" : "min"}(): Expected reduction dim to be specified for input.numel() == 0`);
  const h = x._h;
  const y = largest ? tf.max(h) : tf.min(h);
  return result(y, null, largest ? "MaxBackward1" : "MinBackward1", [x], (gy) => {
    const mask = tf.cast(tf.equal(h, y), "float32");
    return [tf.mul(mask, tf.div(gy, tf.sum(mask)))];
  });
}

function extremeDim(x: Tensor, dim: number, keepdim: boolean, largest: boolean): ValuesIndices {
  const d = normDim(dim, x.dim());
  if (x.dim() === 0) return valuesIndices(x, new Tensor(tf.scalar(0, "int32"))); // its one value, at index 0
  if (x.shape[d] === 0) throw new IndexError(`${largest ? "max" : "min"}(): Expected reduction dim ${d} to have non-zero size.`);
  const shape = [...x.shape];
  const outShape = keepdim ? keptShape(shape, [d]) : shape.filter((_, i) => i !== d);
  const [valuesH, indicesH] = tf.tidy(() => {
    const c = contig(x);
    const idx = tf.argMax(largest ? c : tf.neg(c), d);
    return [tf.reshape(largest ? tf.max(c, d) : tf.min(c, d), outShape), tf.reshape(idx, outShape)];
  });
  const perm = x._perm;
  const indices = new Tensor(indicesH);
  const values = result(valuesH, null, largest ? "MaxBackward0" : "MinBackward0", [x, indices], (gy) => {
    // Scatter gy to the chosen index along d: one-hot on the last axis, then move it into place.
    const last = shape.length - 1;
    const moved = d === last ? null : [...shape.keys()].map((i) => (i === d ? last : i === last ? d : i));
    const idxKeep = tf.reshape(indices._h, keptShape(shape, [d]));
    const idxLast = moved ? tf.transpose(idxKeep, moved) : idxKeep;
    const hot = tf.oneHot(tf.squeeze(idxLast, [last]), shape[d]);
    const gKeep = tf.reshape(gy, keptShape(shape, [d]));
    const gLast = moved ? tf.transpose(gKeep, moved) : gKeep;
    const g = tf.mul(hot, gLast);
    return [toPhys(moved ? tf.transpose(g, moved) : g, perm), null];
  });
  return valuesIndices(values, indices);
}

/** `torch.argmax(t)`: the flat index of the largest value; with `dim`, the index along it. */
export function argmax(x: Tensor, dim?: DimArg, keepdim = false): Tensor {
  const a = dim === undefined ? undefined : dimArg(dim, keepdim);
  const d = a === undefined ? undefined : normDim(a.dim, x.dim());
  // PyTorch has no bool argmax, but skips its kernel where there is nothing to compare.
  if (x.dtype === "bool" && x.numel() > 0 && (d === undefined || x.dim() === 0 || x.shape[d] > 1)) {
    throw new RuntimeError(`"argmax_cpu" not implemented for 'Bool'`);
  }
  if (d !== undefined && x.dim() > 0 && x.shape[d] === 0) throw new IndexError(`argmax(): Expected reduction dim ${d} to have non-zero size.`);
  if (a === undefined) {
    if (x.numel() === 0) throw new IndexError("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
    return new Tensor(tf.tidy(() => tf.argMax(tf.reshape(contig(x), [-1]))));
  }
  return extremeDim(x, a.dim, a.keepdim, true).indices;
}

/** `torch.max(t)`, or `torch.max(t, dim)` → `[values, indices]` (also `.values`, `.indices`). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: DimArg, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: DimArg, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return extremeAll(x, true);
  const a = dimArg(dim, keepdim);
  return extremeDim(x, a.dim, a.keepdim, true);
}

/** `torch.min(t)`, or `torch.min(t, dim)` → `[values, indices]` (also `.values`, `.indices`). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: DimArg, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: DimArg, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return extremeAll(x, false);
  const a = dimArg(dim, keepdim);
  return extremeDim(x, a.dim, a.keepdim, false);
}
