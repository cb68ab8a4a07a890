/**
 * Prints tensors exactly as PyTorch 1.13 does (torch/_tensor_str.py): the same formatter choice
 * (integer mode, fixed with 4 decimals, or scientific), the same widths, 80-column wrapping,
 * summarisation above 1000 elements with 3 edge items, and the grad_fn / requires_grad suffixes.
 */
import type { Tensor } from "./tensor";

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

/**
 * Python's `repr(float)`, as PyTorch prints hyperparameters (`eps=1e-05`, `momentum=0.1`): the
 * shortest digits that read back (JavaScript's too), in exponent form below 1e-4 and from 1e16 on
 * (JavaScript switches at 1e-7 and 1e21) with at least two exponent digits, and `.0` on whole numbers.
 */
export function pythonFloat(v: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [m, e] = v.toExponential().split("e");
    const exp = Number(e);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(v);
  return Number.isInteger(v) ? `${s}.0` : s;
}

/** Python's '{:.Nf}': round half to even on the exact binary value. */
function fixed(v: number, digits: number): string {
  let s = v.toFixed(digits);
  const scaled = Math.abs(v) * 10 ** digits;
  if (scaled - Math.floor(scaled) === 0.5 && Math.floor(scaled) % 2 === 0) {
    s = (Math.sign(v) * Math.floor(scaled) / 10 ** digits).toFixed(digits); // a tie: keep the even one
    if (v < 0 && !s.startsWith("-")) s = "-" + s;
  }
  return s;
}

/** Python's '{:.Ne}': mantissa with N decimals, exponent with a sign and at least two digits. */
function sci(v: number, digits: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const [m, e] = v.toExponential(digits).split("e");
  const exp = Number(e);
  return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

interface Formatter { width: number; format(v: number): string; }

function makeFormatter(values: ArrayLike<number>, kind: "float" | "int" | "bool"): Formatter {
  if (kind !== "float") {
    const str = kind === "bool" ? (v: number) => (v ? "True" : "False") : (v: number) => String(v);
    let width = 1;
    for (let i = 0; i < values.length; i++) width = Math.max(width, str(values[i]).length);
    return { width, format: (v) => str(v).padStart(width) };
  }
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v !== 0) finite.push(v);
  }
  let intMode = true;
  let sciMode = false;
  let width = 1;
  if (finite.length > 0) {
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs);
    const max = Math.max(...abs);
    intMode = finite.every((v) => v === Math.ceil(v));
    if (intMode) {
      if (max / min > 1000 || max > 1e8) {
        sciMode = true;
        for (const v of finite) width = Math.max(width, sci(v, PRECISION).length);
      } else {
        for (const v of finite) width = Math.max(width, fixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      sciMode = true;
      for (const v of finite) width = Math.max(width, sci(v, PRECISION).length);
    } else {
      for (const v of finite) width = Math.max(width, fixed(v, PRECISION).length);
    }
  }
  const format = (v: number): string => {
    let s: string;
    if (!Number.isFinite(v)) s = nonFinite(v);
    else if (sciMode) s = sci(v, PRECISION);
    else if (intMode) s = fixed(v, 0) + ".";
    else s = fixed(v, PRECISION);
    return s.padStart(width);
  };
  return { width, format };
}

/** A view of flat row-major values with a shape. */
interface Block { values: ArrayLike<number>; shape: number[]; offset: number; }

function sub(b: Block, i: number): Block {
  const inner = b.shape.slice(1).reduce((a, c) => a * c, 1);
  return { values: b.values, shape: b.shape.slice(1), offset: b.offset + i * inner };
}

/** The elements the summary shows: the first and last EDGEITEMS along every dim. */
function summarized(b: Block): number[] {
  if (b.shape.length === 0) return [b.values[b.offset]];
  const n = b.shape[0];
  const rows = n > 2 * EDGEITEMS ? [...range(0, EDGEITEMS), ...range(n - EDGEITEMS, n)] : range(0, n);
  if (b.shape.length === 1) return rows.map((i) => b.values[b.offset + i]);
  return rows.flatMap((i) => summarized(sub(b, i)));
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function vectorStr(b: Block, indent: number, summarize: boolean, f: Formatter): string {
  const elementLength = f.width + 2;
  const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / elementLength));
  const n = b.shape[0];
  const at = (i: number) => f.format(b.values[b.offset + i]);
  const data = summarize && n > 2 * EDGEITEMS
    ? [...range(0, EDGEITEMS).map(at), " ...", ...range(n - EDGEITEMS, n).map(at)]
    : range(0, n).map(at);
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function blockStr(b: Block, indent: number, summarize: boolean, f: Formatter): string {
  const dim = b.shape.length;
  if (dim === 0) return f.format(b.values[b.offset]);
  if (dim === 1) return vectorStr(b, indent, summarize, f);
  const n = b.shape[0];
  const part = (i: number) => blockStr(sub(b, i), indent + 1, summarize, f);
  const slices = summarize && n > 2 * EDGEITEMS
    ? [...range(0, EDGEITEMS).map(part), "...", ...range(n - EDGEITEMS, n).map(part)]
    : range(0, n).map(part);
  return "[" + slices.join("," + "\n".repeat(dim - 1) + " ".repeat(indent + 1)) + "]";
}

function addSuffixes(body: string, suffixes: string[], indent: number): string {
  const parts = [body];
  let lastLineLen = body.length - body.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > LINEWIDTH) {
      parts.push(",\n" + " ".repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(", " + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

export function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const shape = [...t.shape];
  const kind = t.dtype === "float32" ? "float" : t.dtype === "bool" ? "bool" : "int";
  const suffixes: string[] = [];
  let body: string;
  if (t.numel() === 0) {
    body = "[]";
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
  } else {
    const block: Block = { values: t.dataSync(), shape, offset: 0 };
    const summarize = t.numel() > THRESHOLD;
    const formatter = makeFormatter(summarize ? summarized(block) : block.values, kind);
    body = blockStr(block, indent, summarize, formatter);
  }
  if (t.device.type === "cuda") suffixes.push(`device='${t.device}'`);
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}
