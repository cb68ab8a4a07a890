/**
 * Reading numbers out of plain arrays and tensors. Tensors are duck-typed (anything with a `shape`
 * and a `tolist()`, optionally `dataSync()`), so this module depends on no tensor library.
 */
import { DisplayError } from "./errors";

export interface TensorLike {
  readonly shape: ArrayLike<number>;
  tolist(): unknown;
  /** Flat row-major values; used when present because it skips building nested arrays. */
  dataSync?(): ArrayLike<number>;
}

/** A 1-D sequence of numbers: a plain or typed array, or a tensor with one non-unit dimension. */
export type Series = ArrayLike<number> | TensorLike;
/** A 2-D table of numbers: nested arrays or a 2-D tensor. */
export type Matrix = ArrayLike<ArrayLike<number>> | TensorLike;

/** Dense row-major values with their shape. */
export interface Dense {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export function isTensorLike(value: unknown): value is TensorLike {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<TensorLike>).tolist === "function" &&
    typeof (value as { shape?: unknown }).shape === "object";
}

function describe(value: unknown): string {
  if (isTensorLike(value)) return `a tensor of shape [${Array.from(value.shape).join(", ")}]`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return value === null ? "null" : typeof value;
}

function flatten(nested: unknown, out: number[]): void {
  if (Array.isArray(nested)) for (const item of nested) flatten(item, out);
  else out.push(Number(nested));
}

/** Any tensor as flat row-major values plus its shape. */
export function toDense(tensor: TensorLike): Dense {
  const shape = Array.from(tensor.shape, Number);
  if (typeof tensor.dataSync === "function") return { shape, data: tensor.dataSync() };
  const data: number[] = [];
  flatten(tensor.tolist(), data);
  return { shape, data };
}

/** A plain or typed array, or a tensor shaped [n], [n, 1] or [1, n], as numbers. */
export function toVector(value: Series, what: string): number[] {
  if (isTensorLike(value)) {
    const { shape, data } = toDense(value);
    if (shape.filter((d) => d !== 1).length > 1) {
      throw new DisplayError(`${what} must be 1-D, got ${describe(value)}; pass one row, e.g. t.flatten() or t[0]`);
    }
    return Array.from(data, Number);
  }
  if (value === null || typeof value !== "object" || typeof value.length !== "number") {
    throw new DisplayError(`${what} must be an array of numbers or a 1-D tensor, got ${describe(value)}`);
  }
  const out = Array.from(value, Number);
  const bad = Array.from(value as ArrayLike<unknown>).findIndex((v) => typeof v !== "number");
  if (bad >= 0) throw new DisplayError(`${what}[${bad}] is ${describe((value as ArrayLike<unknown>)[bad])}, expected a number`);
  return out;
}

/** Nested arrays or a 2-D tensor as rows of numbers (all rows the same length). */
export function toRows(value: Matrix, what: string): number[][] {
  if (isTensorLike(value)) {
    const { shape, data } = toDense(value);
    if (shape.length !== 2) throw new DisplayError(`${what} must be 2-D, got ${describe(value)}`);
    const [rows, cols] = shape as [number, number];
    return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Number(data[r * cols + c])));
  }
  const rows = Array.from(value, (row, r) => toVector(row, `${what}[${r}]`));
  const width = rows[0]?.length ?? 0;
  const ragged = rows.findIndex((row) => row.length !== width);
  if (ragged >= 0) {
    throw new DisplayError(`${what} rows must have the same length: row 0 has ${width}, row ${ragged} has ${rows[ragged]!.length}`);
  }
  return rows;
}

/** Class labels from numbers, strings or a tensor of class indices. */
export function toLabels(value: ArrayLike<number | string> | TensorLike, what: string): (number | string)[] {
  if (isTensorLike(value)) return toVector(value, what);
  return Array.from(value);
}
