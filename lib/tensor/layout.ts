/**
 * Moving between logical (PyTorch) order and a tensor's physical buffer. All functions return
 * new backend tensors, so call them inside tf.tidy.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Perm, Tensor } from "./tensor";

/** Channels-last: NCHW logical axes sit at NHWC physical positions. */
export const NHWC_PERM: readonly number[] = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

export function samePerm(a: Perm, b: Perm): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}

/** A physical-layout buffer in logical order. */
export function fromPhys(h: tf.Tensor, perm: Perm): tf.Tensor {
  return perm ? tf.transpose(h, [...perm]) : h;
}

/** A logical-order buffer in the physical layout `perm`. */
export function toPhys(h: tf.Tensor, perm: Perm): tf.Tensor {
  return perm ? tf.transpose(h, invertPerm(perm)) : h;
}

/** A new buffer, owned by the caller, holding t's values in the physical layout `perm` (one transpose at most). */
export function ownedIn(t: Tensor, perm: Perm): tf.Tensor {
  const rank = t._h.rank;
  const src = t._perm ?? [...Array(rank).keys()];
  const inv = perm ? invertPerm(perm) : [...Array(rank).keys()];
  const order = inv.map((i) => src[i]);
  return order.every((v, i) => v === i) ? tf.clone(t._h) : tf.transpose(t._h, order);
}

/** The tensor's values in logical order (its own buffer when already contiguous). */
export function contig(t: Tensor): tf.Tensor {
  return fromPhys(t._h, t._perm);
}

/** An NCHW tensor as an NHWC buffer: free when channels-last, a reshape when C or H*W is 1. */
export function toNHWC(t: Tensor): tf.Tensor {
  if (samePerm(t._perm, NHWC_PERM)) return t._h;
  const [n, c, h, w] = t.shape;
  if (!t._perm && (c === 1 || h * w === 1)) return tf.reshape(t._h, [n, h, w, c]);
  const src = t._perm ?? [0, 1, 2, 3];
  return tf.transpose(t._h, TO_NHWC.map((j) => src[j]));
}

/** A gradient for `t` given in NHWC, in `t`'s physical layout. */
export function nhwcToPhysOf(g: tf.Tensor, t: Tensor): tf.Tensor {
  if (samePerm(t._perm, NHWC_PERM)) return g;
  const [n, c, h, w] = t.shape;
  const nchw = !t._perm && (c === 1 || h * w === 1) ? tf.reshape(g, [n, c, h, w]) : tf.transpose(g, [...NHWC_PERM]);
  return toPhys(nchw, t._perm);
}
