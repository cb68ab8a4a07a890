/**
 * The part of Python's pickle format (protocol 2, what `torch.save` writes) that PyTorch files
 * use: None, bools, ints, floats, str, tuples, lists, dicts, globals, REDUCE, BUILD and
 * persistent ids. Written here rather than taken from npm: no maintained package writes pickles,
 * and the one maintained reader (pickleparser) decodes LONG1 as unsigned (negative big ints come
 * out wrong) and turns unknown globals into placeholder objects where a loader must refuse them.
 * Nothing read is ever executed: globals resolve only through the caller's `findGlobal`.
 */
import { RuntimeError } from "../errors";

/** A Python tuple (JS arrays are written as lists). */
export class Tuple {
  constructor(readonly items: readonly PyValue[]) {}
}
/** A Python global, `module.name` (a class or function). */
export class Global {
  constructor(readonly module: string, readonly name: string) {}
}
/** `callable(*args)`, rebuilt by the reader: pickle's REDUCE. */
export class Reduce {
  constructor(readonly callable: Global, readonly args: Tuple) {}
}
/** An object stored outside the pickle (a tensor storage), named by `id`: pickle's BINPERSID. */
export class PersistentId {
  constructor(readonly id: Tuple) {}
}
/** Integers beyond int32 (and any `bigint`) are written with LONG1. */
export type PyValue = null | boolean | number | bigint | string | Tuple | Global | Reduce | PersistentId | PyValue[] | PyDict;
/** A dict as an ordered list of pairs (keys may be ints); `ordered`: a `collections.OrderedDict`, as state dicts are. */
export class PyDict {
  constructor(readonly entries: [PyValue, PyValue][], readonly ordered = false) {}
}

/** A file or object torch.save / torch.load cannot handle (the message says which and why). */
export class SerializationError extends RuntimeError {}

const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d,
  NONE: 0x4e, BINPERSID: 0x51, REDUCE: 0x52, BINUNICODE: 0x58, EMPTY_LIST: 0x5d, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63,
  DICT: 0x64, APPENDS: 0x65, BINGET: 0x68, LONG_BINGET: 0x6a, LIST: 0x6c, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73,
  TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d, EMPTY_TUPLE: 0x29, PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86,
  TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94, FRAME: 0x95,
} as const;
const NAMES = new Map<number, string>(Object.entries(OP).map(([k, v]) => [v, k]));

// ---- writing ---------------------------------------------------------------------------------

class Writer {
  private chunks: Uint8Array[] = [];
  private readonly utf8 = new TextEncoder();
  byte(...b: number[]): void { this.chunks.push(Uint8Array.from(b)); }
  bytes(b: Uint8Array): void { this.chunks.push(b); }
  u32(n: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); this.bytes(b); }
  text(s: string): Uint8Array { return this.utf8.encode(s); }
  result(): Uint8Array { return Buffer.concat(this.chunks); }
}

/** Little-endian two's complement in the fewest bytes, as Python's LONG1 writes an int. */
function longBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const sign = out[out.length - 1] & 0x80;
    if ((x === 0n && !sign) || (x === -1n && sign)) break;
  }
  return Uint8Array.from(out);
}

function writeValue(w: Writer, v: PyValue): void {
  if (v === null) w.byte(OP.NONE);
  else if (v === true || v === false) w.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
  else if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 256) w.byte(OP.BININT1, v);
  else if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 65536) w.byte(OP.BININT2, v & 0xff, v >> 8);
  else if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    w.byte(OP.BININT);
    w.bytes(b);
  } else if (typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v))) {
    const b = longBytes(BigInt(v));
    w.byte(OP.LONG1, b.length);
    w.bytes(b);
  } else if (typeof v === "number") {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false); // BINFLOAT is big-endian
    w.byte(OP.BINFLOAT);
    w.bytes(b);
  } else if (typeof v === "string") {
    const b = w.text(v);
    w.byte(OP.BINUNICODE);
    w.u32(b.length);
    w.bytes(b);
  } else if (v instanceof Tuple) {
    if (v.items.length === 0) return w.byte(OP.EMPTY_TUPLE);
    w.byte(OP.MARK);
    for (const item of v.items) writeValue(w, item);
    w.byte(OP.TUPLE);
  } else if (Array.isArray(v)) {
    w.byte(OP.EMPTY_LIST);
    if (v.length === 0) return;
    w.byte(OP.MARK);
    for (const item of v) writeValue(w, item);
    w.byte(OP.APPENDS);
  } else if (v instanceof PyDict) {
    // An OrderedDict is written as torch.save writes one: OrderedDict() (REDUCE), then its items.
    if (v.ordered) writeValue(w, new Reduce(new Global("collections", "OrderedDict"), new Tuple([])));
    else w.byte(OP.EMPTY_DICT);
    if (v.entries.length === 0) return;
    w.byte(OP.MARK);
    for (const [key, value] of v.entries) { writeValue(w, key); writeValue(w, value); }
    w.byte(OP.SETITEMS);
  } else if (v instanceof Global) {
    w.byte(OP.GLOBAL);
    w.bytes(w.text(`${v.module}\n${v.name}\n`));
  } else if (v instanceof Reduce) {
    writeValue(w, v.callable);
    writeValue(w, v.args);
    w.byte(OP.REDUCE);
  } else if (v instanceof PersistentId) {
    writeValue(w, v.id);
    w.byte(OP.BINPERSID);
  } else {
    throw new SerializationError(`pickle: cannot write ${String(v)}`);
  }
}

/** `value` as a protocol-2 pickle. */
export function pickle(value: PyValue): Uint8Array {
  const w = new Writer();
  w.byte(OP.PROTO, 2);
  writeValue(w, value);
  w.byte(OP.STOP);
  return w.result();
}

// ---- reading ---------------------------------------------------------------------------------

export interface UnpickleHooks {
  /** The object a GLOBAL names (throw for any the caller does not allow). */
  findGlobal(module: string, name: string): unknown;
  /** The object a persistent id stands for (a storage). */
  persistentLoad(id: unknown): unknown;
  /** `callable(...args)` for REDUCE and NEWOBJ; `callable` came from findGlobal. */
  call(callable: unknown, args: unknown[]): unknown;
  /** BUILD: applies `state` to `obj` (e.g. an OrderedDict's `_metadata`). */
  build(obj: unknown, state: unknown): void;
  /** A dict from its pairs, in order. */
  dict(entries: [unknown, unknown][]): unknown;
  /** Adds pairs to a dict made by `dict` or by `call` (SETITEMS on an OrderedDict). */
  setItems(dict: unknown, entries: [unknown, unknown][]): void;
}

const MARK = Symbol("mark");

/** Reads one pickle; every malformed or unsupported byte is a SerializationError naming its position. */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (why: string): never => { throw new SerializationError(`pickle data is invalid at byte ${pos}: ${why}`); };
  const need = (n: number) => { if (pos + n > data.length) fail(`the data ends ${pos + n - data.length} byte(s) early (truncated file?)`); };
  const u8 = () => { need(1); return data[pos++]; };
  const u16 = () => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const i32 = () => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const take = (n: number) => { need(n); const b = data.subarray(pos, pos + n); pos += n; return b; };
  const line = () => { const end = data.indexOf(0x0a, pos); if (end < 0) fail("a GLOBAL name has no end of line"); const s = decoder.decode(data.subarray(pos, end)); pos = end + 1; return s; };
  const pop = () => { if (stack.length === 0 || stack[stack.length - 1] === MARK) fail("the stack is empty"); return stack.pop(); };
  const top = () => { if (stack.length === 0) fail("the stack is empty"); return stack[stack.length - 1]; };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail("no MARK before this opcode");
    const items = stack.slice(at + 1);
    stack.length = at;
    return items;
  };
  const pairs = (items: unknown[]): [unknown, unknown][] => {
    if (items.length % 2) fail("a dict has a key without a value");
    return Array.from({ length: items.length / 2 }, (_, i) => [items[2 * i], items[2 * i + 1]]);
  };
  const long = (bytes: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes.length && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  };
  const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : fail("REDUCE arguments are not a tuple"));

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case OP.PROTO: { const version = u8(); if (version > 5) fail(`unknown protocol ${version}`); break; }
      case OP.FRAME: take(8); break;
      case OP.STOP: if (stack.length !== 1) fail("STOP with a stack that does not hold exactly one value"); return stack[0];
      case OP.MARK: stack.push(MARK); break;
      case OP.POP: pop(); break;
      case OP.POP_MARK: popMark(); break;
      case OP.DUP: stack.push(top()); break;
      case OP.NONE: stack.push(null); break;
      case OP.NEWTRUE: stack.push(true); break;
      case OP.NEWFALSE: stack.push(false); break;
      case OP.BININT: stack.push(i32()); break;
      case OP.BININT1: stack.push(u8()); break;
      case OP.BININT2: stack.push(u16()); break;
      case OP.LONG1: stack.push(long(take(u8()))); break;
      case OP.BINFLOAT: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; }
      case OP.BINUNICODE: stack.push(decoder.decode(take(u32()))); break;
      case OP.SHORT_BINUNICODE: stack.push(decoder.decode(take(u8()))); break;
      case OP.BINUNICODE8: { need(8); const n = Number(view.getBigUint64(pos, true)); pos += 8; stack.push(decoder.decode(take(n))); break; }
      case OP.EMPTY_TUPLE: stack.push([]); break;
      case OP.TUPLE: stack.push(popMark()); break;
      case OP.TUPLE1: stack.push([pop()]); break;
      case OP.TUPLE2: { const b = pop(); const a = pop(); stack.push([a, b]); break; }
      case OP.TUPLE3: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; }
      case OP.EMPTY_LIST: stack.push([]); break;
      case OP.LIST: stack.push(popMark()); break;
      case OP.APPEND: { const v = pop(); asArray(top()).push(v); break; }
      case OP.APPENDS: { const items = popMark(); asArray(top()).push(...items); break; }
      case OP.EMPTY_DICT: stack.push(hooks.dict([])); break;
      case OP.DICT: stack.push(hooks.dict(pairs(popMark()))); break;
      case OP.SETITEM: { const v = pop(); const k = pop(); hooks.setItems(top(), [[k, v]]); break; }
      case OP.SETITEMS: { const items = pairs(popMark()); hooks.setItems(top(), items); break; }
      case OP.GLOBAL: { const module = line(); stack.push(hooks.findGlobal(module, line())); break; }
      case OP.STACK_GLOBAL: { const name = pop(); const module = pop(); stack.push(hooks.findGlobal(String(module), String(name))); break; }
      case OP.REDUCE: case OP.NEWOBJ: { const args = asArray(pop()); stack.push(hooks.call(pop(), args)); break; }
      case OP.BUILD: { const state = pop(); hooks.build(top(), state); break; }
      case OP.BINPERSID: stack.push(hooks.persistentLoad(pop())); break;
      case OP.BINPUT: memo.set(u8(), top()); break;
      case OP.LONG_BINPUT: memo.set(u32(), top()); break;
      case OP.MEMOIZE: memo.set(memo.size, top()); break;
      case OP.BINGET: case OP.LONG_BINGET: {
        const key = op === OP.BINGET ? u8() : u32();
        if (!memo.has(key)) fail(`memo entry ${key} was never stored`);
        stack.push(memo.get(key));
        break;
      }
      default:
        pos = at;
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")}${NAMES.has(op) ? ` (${NAMES.get(op)})` : ""}` +
          " (nnlab reads what torch.save writes: tensors, state dicts, and dicts, lists, numbers and strings of them)");
    }
  }
}
