/**
 * Define-by-run autograd. Every differentiable op records a `Node` on its output: the inputs it
 * read and a backward function from the output's gradient to the inputs' gradients. `backward()`
 * walks the recorded graph once in reverse topological order (no forward recomputation), then
 * frees it, as PyTorch does unless `retainGraph` is asked for.
 *
 * Layout convention: a gradient travels in the *physical* layout of the tensor it belongs to
 * (see Tensor.perm), so channels-last activations never get transposed for autograd's sake.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { RuntimeError } from "../errors";
import { untrack, track } from "./memory";
import type { Tensor } from "./tensor";

/** From the output's gradient to one gradient per input (null: that input gets none). */
export type Backward = (gy: tft.Tensor) => (tft.Tensor | null)[];

/** Extra tensors a backward function needs that no Tensor owns (masks, layout copies). */
export class Saved {
  constructor(public tensors: tft.Tensor[]) {}
  release(): void {
    for (const t of this.tensors) {
      try {
        t.dispose();
      } catch {
        // Its backend was shut down: the buffer went with it.
      }
    }
    this.tensors = [];
  }
}

export class Node {
  constructor(
    /** PyTorch's grad_fn name, e.g. "ConvolutionBackward0". */
    readonly name: string,
    /** Every input the op read; kept alive so their buffers outlive the backward pass. */
    public inputs: Tensor[],
    /** Which inputs want a gradient. */
    readonly needs: boolean[],
    public backward: Backward | null,
    public saved: Saved | null,
  ) {}

  release(): void {
    this.backward = null;
    this.inputs = [];
    if (this.saved) {
      untrack(this.saved);
      this.saved.release();
      this.saved = null;
    }
  }
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with gradient recording on or off; restores the mode afterwards, also for async fns. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    gradEnabled = before;
    throw e;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as Promise<unknown>).finally(() => { gradEnabled = before; }) as T;
  }
  gradEnabled = before;
  return result;
}

/** True when an op on these inputs must record a graph node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Attaches a node to `out` when any input requires grad; otherwise frees `saved`. */
export function attach(out: Tensor, name: string, inputs: Tensor[], backward: Backward, saved: tft.Tensor[] = []): Tensor {
  if (!needsGrad(inputs)) {
    for (const s of saved) s.dispose();
    return out;
  }
  let box: Saved | null = null;
  if (saved.length > 0) {
    box = new Saved(saved);
    track(out, box, 0);
  }
  out.gradFn = new Node(name, inputs, inputs.map((t) => t.requiresGrad), backward, box);
  out.requiresGrad = true;
  return out;
}

/** Reverse topological order of the tensors that lead to `root` through recorded nodes. */
function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t.gradFn;
    if (node && i < node.inputs.length) {
      top[1] = i + 1;
      const child = node.inputs[i];
      if (node.needs[i] && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Gives every returned gradient its own handle: a backward may pass `gy` straight through
 * (add, permute) or return one tensor for two inputs. `gy` is freed unless passed on.
 */
function ownEach(grads: (tft.Tensor | null)[], gy: tft.Tensor): (tft.Tensor | null)[] {
  const seen = new Set<tft.Tensor>();
  const owned = grads.map((gi) => {
    if (!gi) return gi;
    const mine = seen.has(gi) ? tf.clone(gi) : gi;
    seen.add(gi);
    return mine;
  });
  if (!seen.has(gy)) gy.dispose();
  return owned;
}

/** `tensor.backward(gradient?, { retainGraph })`. `seed` is in root's physical layout. */
export function runBackward(root: Tensor, seed: tft.Tensor, retainGraph: boolean): void {
  const grads = new Map<Tensor, tft.Tensor>([[root, seed]]);
  try {
    for (const t of reverseTopological(root)) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradFn;
      if (!node) {
        t.accumulateGrad(g);
        continue;
      }
      if (!node.backward) {
        g.dispose();
        throw new RuntimeError(
          "Trying to backward through the graph a second time (or directly access saved tensors after they " +
          "have already been freed). Specify retainGraph: true in the first backward() call if you need to " +
          "backward through the graph a second time.");
      }
      const backward = node.backward;
      const inputGrads = ownEach(tf.tidy(() => backward(g) as tft.Tensor[]) as (tft.Tensor | null)[], g);
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi) return;
        if (!node.needs[i]) { gi.dispose(); return; }
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, tf.add(prev, gi));
          prev.dispose();
          gi.dispose();
        } else {
          grads.set(input, gi);
        }
      });
      if (!retainGraph) node.release();
    }
  } finally {
    for (const g of grads.values()) g.dispose();
  }
}
