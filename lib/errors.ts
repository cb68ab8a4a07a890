/**
 * The library's errors: every one is a TorchError, named by its class, and the common ones are
 * named as PyTorch users know them. Every message names what was wrong (shapes, values, the layer)
 * and, where there is one, the fix. (The kernel's own errors are kernel/errors.ts.)
 */
export class TorchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
/** Shape mismatches, wrong dtypes, autograd misuse: PyTorch's RuntimeError. */
export class RuntimeError extends TorchError {}
/** Bad argument values (negative sizes, unknown options): PyTorch's ValueError. */
export class ValueError extends TorchError {}
/** Index out of range: PyTorch's IndexError. */
export class IndexError extends TorchError {}
/** An argument of the wrong kind: PyTorch's TypeError. */
export class TorchTypeError extends TorchError {}
/** A tensor larger than the backend can hold: PyTorch's torch.cuda.OutOfMemoryError (a RuntimeError). */
export class OutOfMemoryError extends RuntimeError {}
/** The compute backend crashed and was started anew: every tensor it held is gone. */
export class BackendRebuiltError extends TorchError {}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Throws ValueError when an options object has a key `known` does not list (a typo such as
 * `batch_size` would otherwise be ignored without a word), naming the known ones.
 */
export function checkOptions(opts: object | undefined, known: readonly string[], where: string): void {
  const unknown = Object.keys(opts ?? {}).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new ValueError(`${where}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; the options are ${known.join(", ")}`);
  }
}
