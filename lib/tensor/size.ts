import { inspectCustom } from "../display/inspect";

/** `torch.Size`: a read-only list of dimensions that prints as PyTorch prints it. */
export class Size extends Array<number> {
  static override get [Symbol.species](): ArrayConstructor { return Array; }

  static make(dims: readonly number[]): Size {
    const s = new Size();
    for (const d of dims) s.push(d);
    return Object.freeze(s) as Size;
  }

  /** Number of elements, as `torch.Size.numel()`. */
  numel(): number {
    let n = 1;
    for (const d of this) n *= d;
    return n;
  }

  override toString(): string {
    return `torch.Size([${this.join(", ")}])`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}
