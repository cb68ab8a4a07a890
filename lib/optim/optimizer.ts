/**
 * Optimizers update parameters in place, on the backend buffers, with PyTorch's exact rules.
 * Hyper-parameters are validated in the constructor, as in torch.optim.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { ValueError } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { contig, samePerm, toPhys } from "../tensor/layout";

/** A parameter group: its tensors and the hyper-parameters that differ from the optimizer's defaults (`{ params: model.fc.parameters(), lr: 1e-3 }`). */
export type ParamGroup<H> = { params: Iterable<Tensor> } & Partial<H>;
/** What an optimizer takes: the tensors to optimise (`model.parameters()`), or a list of parameter groups. */
export type Params<H> = Iterable<Tensor> | ParamGroup<H>[];

/** Base class of the optimizers (`torch.optim.Optimizer`): holds parameter groups and per-parameter state; `step()` updates the parameters in place from their `.grad`. */
export abstract class Optimizer<H extends object> {
  /** The parameter groups, each with its full set of hyper-parameters; change `lr` here to schedule it, as in PyTorch. */
  readonly paramGroups: ({ params: Tensor[] } & H)[];
  /** Per-parameter state (momentum buffers, moments), as backend buffers in the parameter's layout. */
  protected readonly state: Map<Tensor, Record<string, tft.Tensor | number>> = new Map();

  /** `check` validates the hyper-parameters of every group (defaults merged with the group's own). */
  constructor(
    params: Params<H>,
    /** The hyper-parameters every group starts from (the constructor's options with their defaults). */
    readonly defaults: H,
    check: (hp: H) => void,
  ) {
    const list = [...(params as Iterable<Tensor | ParamGroup<H>>)];
    if (list.length === 0) throw new ValueError("optimizer got an empty parameter list (did you pass model.parameters() of a model without layers?)");
    const groups = list.every((p) => typeof p === "object" && p !== null && "params" in p && !("_s" in p))
      ? (list as ParamGroup<H>[])
      : [{ params: list as Tensor[] }];
    this.paramGroups = groups.map((g) => ({ ...defaults, ...definedOnly(g), params: [...g.params] }));
    for (const g of this.paramGroups) check(g);
  }

  /** `optimizer.zeroGrad()`: drops the gradients (PyTorch's set_to_none). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** Performs a single optimization step: updates every parameter that has a gradient (`optimizer.step()` after `loss.backward()`). */
  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p._gradForUpdate;
        if (!grad) continue;
        let state = this.state.get(p);
        if (!state) this.state.set(p, (state = {}));
        const st = state;
        const next = tf.tidy(() => {
          // The gradient in the parameter's own layout (they match unless someone assigned .grad).
          const g = samePerm(grad._perm, p._perm) ? grad._h : toPhys(contig(grad), p._perm);
          const out = this.update(p._h, g, st, group);
          for (const v of Object.values(st)) if (typeof v !== "number") tf.keep(v);
          return out;
        });
        p._replace(next);
      }
    }
  }

  /** New value of one parameter; may replace buffers in `state` (the old ones are disposed). */
  protected abstract update(p: tft.Tensor, g: tft.Tensor, state: Record<string, tft.Tensor | number>, hp: H): tft.Tensor;

  /** Sets `state[key] = value`, freeing what was there. */
  protected static put(state: Record<string, tft.Tensor | number>, key: string, value: tft.Tensor): tft.Tensor {
    const old = state[key];
    if (old !== undefined && typeof old !== "number" && old !== value) old.dispose();
    state[key] = value;
    return value;
  }
}

/** Options without the keys set to undefined, so `{ momentum: undefined }` keeps the default. */
export function definedOnly<T extends object>(opts: T): Partial<T> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function checkNonNegative(value: number, what: string): void {
  if (!(value >= 0)) throw new ValueError(`Invalid ${what}: ${value}`);
}
