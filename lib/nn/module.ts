/**
 * `nn.Module`: state plus a `forward`. A module finds its parameters, buffers and children by
 * walking its own fields (arrays of modules too), so `this.conv1 = new nn.Conv2d(...)` is all a
 * subclass writes. Instances are callable: `model(x)` runs `forward(x)`.
 */
import { inspectCustom } from "../display/inspect";
import { RuntimeError, TorchTypeError, shapeStr } from "../errors";
import { Tensor } from "../tensor/tensor";
import { parseDevice, type Device } from "../tensor/device";
import { ownedIn } from "../tensor/layout";

/** A Tensor that a Module treats as a trainable weight (requiresGrad by default). */
export class Parameter extends Tensor {
  /** `layout` stores the values physically permuted (see Tensor.perm); the logical shape is data's. */
  constructor(data: Tensor, requiresGrad = true, layout: readonly number[] | null = null) {
    super(ownedIn(data, layout), layout, requiresGrad);
  }
  /** `Parameter containing:` and the tensor, as PyTorch prints a parameter. */
  override toString(): string {
    return "Parameter containing:\n" + super.toString();
  }
  override [inspectCustom](): string { return this.toString(); }
}

/**
 * A state dict: parameter and buffer names (PyTorch's: `conv1.weight`, `bn.running_mean`) to
 * tensors, in PyTorch's order. A plain object, so `Object.keys(sd)`, `sd["fc.bias"]` and
 * `for (const [name, t] of Object.entries(sd))` work as `sd.keys()`, `sd["fc.bias"]` and
 * `sd.items()` do in Python (its keys are never integers, so objects keep their order).
 */
export type StateDict = Record<string, Tensor>;

/** `running_mean` → `runningMean`: a buffer's field name in nnlab from its PyTorch name. */
function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A state dict is an object or a Map; a tensor, an array or a number (e.g. the wrong entry of a checkpoint) is not. */
function checkStateDict(state: unknown, where: string): void {
  const plainObject = typeof state === "object" && state !== null && !(state instanceof Tensor) && !Array.isArray(state);
  if (plainObject) return;
  const got = state instanceof Tensor ? `a Tensor of shape ${shapeStr(state.shape)}` : Array.isArray(state) ? "an array" : state === null ? "null" : `a ${typeof state}`;
  throw new TorchTypeError(`${where}: expected a state dict (parameter names → tensors, as model.stateDict() gives), got ${got}. ` +
    `For a checkpoint saved as { model: model.stateDict(), ... }, pass torch.load(path)["model"].`);
}

export interface Module {
  /** `model(x)` is `model.forward(x)`. */
  (...args: any[]): Tensor;
}

/** Base class for all neural network modules (`torch.nn.Module`). Subclass it, create layers as fields in the constructor (they are found by walking the fields: `conv1`, `fc`, arrays of modules), and define `forward`; call the model as `model(x)`. Parameters, `train()`/`eval()`, `stateDict()` and printing then work as in PyTorch. */
export abstract class Module {
  /** True in training mode (`model.train()`), false in evaluation mode (`model.eval()`); Dropout and BatchNorm behave differently in each. */
  declare training: boolean;
  /** Tensor fields that are buffers (saved in the state dict, not trained): field name → state dict name. */
  declare protected _buffers: Map<string, string>;

  constructor() {
    const self = function (this: unknown, ...args: unknown[]) {
      return (self as unknown as Module).forward(...args);
    } as unknown as Module;
    Object.setPrototypeOf(self, new.target.prototype);
    // Fields of this base class live on the callable object, not enumerable: not children.
    Object.defineProperty(self, "training", { value: true, writable: true, enumerable: false });
    Object.defineProperty(self, "_buffers", { value: new Map<string, string>(), writable: false, enumerable: false });
    return self;
  }

  /** The computation of the module: `model(x)` calls `forward(x)`. Every subclass defines it. */
  abstract forward(...args: any[]): any;

  /**
   * Adds a buffer: a tensor saved in the state dict under `name` but not trained (BatchNorm's
   * `running_mean`). It lives in the field `camelCase(name)`: `registerBuffer("running_mean", t)`
   * sets `this.runningMean`, as nnlab spells PyTorch's multi-word names.
   */
  registerBuffer(name: string, t: Tensor): void {
    const field = camelCase(name);
    (this as unknown as Record<string, unknown>)[field] = t;
    this._buffers.set(field, name);
  }

  /** Own fields in definition order: [name, value] for tensors, modules and arrays of modules. */
  private *fields(): Generator<[string, Tensor | Module]> {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Tensor || value instanceof Module) yield [key, value];
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] instanceof Module || value[i] instanceof Parameter) yield [`${key}.${i}`, value[i]];
        }
      }
    }
  }

  /** The direct submodules as `[name, module]` pairs, in definition order (`named_children()`). */
  *namedChildren(): Generator<[string, Module]> {
    for (const [k, v] of this.fields()) if (v instanceof Module) yield [k, v];
  }
  /** The direct submodules, in definition order (`children()`). */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
  /** This module and all modules below it as `[dotted name, module]`, this one first with name `""` (`named_modules()`). */
  *namedModules(prefix = ""): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k);
  }
  /** This module and all modules below it, this one first (`modules()`). */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** `conv1.weight`, `conv1.bias`, ... in definition order; shared parameters once. */
  *namedParameters(prefix = ""): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [k, v] of m.fields()) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          yield [modName ? `${modName}.${k}` : k, v];
        }
      }
    }
  }
  /** The trainable parameters of this module and its submodules, in definition order, each once: what an optimizer takes (`optim.SGD(model.parameters(), ...)`). */
  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }
  /** Buffers by their state dict names (`bn.running_mean`), module by module. */
  *namedBuffers(prefix = ""): Generator<[string, Tensor]> {
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [k, v] of m.ownBuffers()) yield [modName ? `${modName}.${k}` : k, v];
    }
  }
  /** This module's own buffers: [state dict name, tensor]. */
  private *ownBuffers(): Generator<[string, Tensor]> {
    for (const [k, v] of this.fields()) {
      const name = this._buffers.get(k);
      if (name !== undefined && v instanceof Tensor && !(v instanceof Parameter)) yield [name, v];
    }
  }
  /** The buffers (saved, not trained: BatchNorm's running statistics) of this module and its submodules. */
  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  /** Sets training mode on this module and all below it (`mode = false` is `eval()`); returns the module. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Sets evaluation mode (Dropout off, BatchNorm uses its running statistics); returns the module. Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** All tensors already live on the one backend's device; this validates the device and returns the module. */
  to(device: Device | string): this {
    parseDevice(device, `${this.constructor.name}.to`);
    return this;
  }
  /** `model.to("cuda")`: checked against the backend (an error when CUDA is not available); returns the module. */
  cuda(): this { return this.to("cuda"); }
  /** `model.to("cpu")`: the module itself (its tensors are already where the backend keeps them). */
  cpu(): this { return this; }

  /** Clears the gradients of all parameters (sets `.grad` to null, as `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Sets `requiresGrad` on all parameters (`False` freezes the module); returns the module. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Calls `fn` on every submodule (children first) and then on this module, e.g. to initialise weights; returns the module. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Parameters and buffers by dotted name (`conv1.weight`, `bn.running_mean`), as PyTorch orders
   * them: module by module, each one's parameters, then its buffers. The tensors are detached and
   * share the model's values, as PyTorch's do.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [modName, m] of this.namedModules()) {
      const params = [...m.fields()].filter((f): f is [string, Parameter] => f[1] instanceof Parameter);
      for (const [k, t] of [...params, ...m.ownBuffers()]) {
        const key = modName ? `${modName}.${k}` : k;
        if (!(key in out)) out[key] = t.detach();
      }
    }
    return out;
  }

  /**
   * Copies values in by name, all or nothing: every key, shape and dtype is checked before the
   * first value is copied. With `strict` (the default), missing or unexpected keys are an error.
   * Takes a state dict (an object), a Map, or what `torch.load` read from a PyTorch file.
   */
  loadStateDict(state: StateDict | ReadonlyMap<string, Tensor>, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    checkStateDict(state, `${this.constructor.name}.loadStateDict`);
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    // PyTorch's order: missing keys, unexpected keys, then each mismatched entry.
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    if (strict && unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
    const copies: [Tensor, Tensor][] = [];
    for (const [k, t] of own) {
      const src = entries.get(k);
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) problems.push(`${k} is not a Tensor (got ${typeof src}).`);
      else if (src.shape.join() !== t.shape.join()) {
        problems.push(`size mismatch for ${k}: copying a param with shape ${shapeStr(src.shape)} from checkpoint, the shape in current model is ${shapeStr(t.shape)}.`);
      } else if (src.dtype !== t.dtype) problems.push(`dtype mismatch for ${k}: the checkpoint holds ${src.dtype}, the model ${t.dtype}.`);
      else copies.push([t, src]);
    }
    if (problems.length) throw new RuntimeError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join("\n\t")}`);
    for (const [t, src] of copies) t._replace(ownedIn(src, t._perm));
    return { missingKeys, unexpectedKeys };
  }

  /** The text inside `Name(...)` when printed; layers override it (e.g. `1, 10, kernel_size=(5, 5)`). */
  extraRepr(): string {
    return "";
  }

  /** The module as PyTorch prints it: `Net(\n  (conv1): Conv2d(1, 10, kernel_size=(5, 5), stride=(1, 1))\n  …)`. */
  toString(): string {
    const kids = [...this.namedChildren()];
    const name = this.constructor.name;
    if (kids.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = kids.map(([k, m]) => `  (${k}): ${String(m).split("\n").join("\n  ")}`);
    const extra = this.extraRepr();
    return `${name}(\n${extra ? `  ${extra}\n` : ""}${lines.join("\n")}\n)`;
  }
  [inspectCustom](): string { return this.toString(); }
}
