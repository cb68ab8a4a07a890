/**
 * `torch.save(obj, path)` / `torch.load(path)` in PyTorch's own file format, so a model trained in
 * either loads in the other. The format (torch/serialization.py, as torch 1.13 writes it): a zip
 * of stored (uncompressed) records under one folder: `data.pkl`, a protocol-2 pickle of the object
 * whose tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * hooks)` calls, each storage a persistent id `('storage', torch.FloatStorage, key, 'cpu', numel)`
 * whose bytes are the record `data/<key>` (little-endian), and `version` ("3").
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { unzipSync, zipSync, type Zippable } from "fflate";
import { TorchTypeError } from "../errors";
import { Parameter } from "../nn/module";
import { Tensor, type DType } from "../tensor/tensor";
import { Global, PersistentId, PyDict, Reduce, SerializationError, Tuple, pickle, unpickle, type PyValue, type UnpickleHooks } from "./pickle";

/** What `torch.save` writes and `torch.load` returns: tensors, and objects, arrays, numbers, strings, booleans and null holding them. */
export type Saveable = Tensor | number | boolean | string | null | Saveable[] | { [key: string]: Saveable };

export { SerializationError };

/** PyTorch's storage classes for nnlab's dtypes, with the bytes one element takes in the file. */
const STORAGES: Record<DType, { name: string; bytes: number }> = {
  float32: { name: "FloatStorage", bytes: 4 },
  int64: { name: "LongStorage", bytes: 8 },
  bool: { name: "BoolStorage", bytes: 1 },
};
const DTYPE_OF_STORAGE = new Map(Object.entries(STORAGES).map(([d, s]) => [s.name, d as DType]));
const ARCHIVE = "archive";
/** Record data starts on a 64-byte boundary, as PyTorch's writer places it (so readers can map it). */
const ALIGN = 64;
/** The zip extra-field id PyTorch pads local headers with ("FB"). */
const PAD_FIELD = 0x4246;

// ---- save ------------------------------------------------------------------------------------

/**
 * `torch.save(obj, path)`: writes a tensor, a state dict, or objects / arrays of them (numbers,
 * strings, booleans, null too) as a PyTorch `.pt` file that `torch.load` reads in Python. Objects
 * become OrderedDicts (JS objects keep their key order), arrays lists; int64 tensors are written
 * as int64. The file is written whole to a temporary name, then renamed: never half-written.
 */
export function save(obj: Saveable, file: string): void {
  if (typeof file !== "string" || file === "") throw new TorchTypeError("torch.save(obj, path): path must be a file name");
  if (os.endianness() !== "LE") throw new SerializationError("torch.save writes little-endian storages; this machine is big-endian");
  const storages: Uint8Array[] = [];
  const pkl = pickle(toPython(obj, storages, "obj"));
  const records: [string, Uint8Array][] = [["data.pkl", pkl], ...storages.map((b, i): [string, Uint8Array] => [`data/${i}`, b]), ["version", new TextEncoder().encode("3\n")]];
  const zip = zipSync(aligned(records), { level: 0, mtime: new Date(1980, 0, 1) });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, zip);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** The records with each local header padded so that its data starts on an ALIGN boundary. */
function aligned(records: [string, Uint8Array][]): Zippable {
  const out: Zippable = {};
  let offset = 0;
  for (const [name, data] of records) {
    const full = `${ARCHIVE}/${name}`;
    const header = 30 + Buffer.byteLength(full) + 4; // local header, name, one extra field's id and size
    const pad = (ALIGN - ((offset + header) % ALIGN)) % ALIGN;
    out[full] = [data, { extra: { [PAD_FIELD]: new Uint8Array(pad).fill(0x5a) } }];
    offset += header + pad + data.length;
  }
  return out;
}

function toPython(v: Saveable, storages: Uint8Array[], where: string): PyValue {
  if (v instanceof Tensor) return tensorToPython(v, storages);
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((item, i) => toPython(item, storages, `${where}[${i}]`));
  const proto = typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
  if (proto === Object.prototype || proto === null) {
    return new PyDict(Object.entries(v).map(([k, item]): [PyValue, PyValue] => [k, toPython(item, storages, `${where}["${k}"]`)]), true);
  }
  throw new TorchTypeError(`torch.save: ${where} is ${describe(v)}; nnlab saves tensors, state dicts, and plain objects, arrays, ` +
    "numbers, strings, booleans and null holding them (for a model, save model.stateDict())");
}

function describe(v: unknown): string {
  if ((typeof v === "object" || typeof v === "function") && v !== null) return `a ${(v as object).constructor?.name ?? "object"}`;
  return `of type ${typeof v}`;
}

/** A tensor as `_rebuild_tensor_v2(storage, 0, size, stride, requires_grad, OrderedDict())`, its values contiguous in a new storage. */
function tensorToPython(t: Tensor, storages: Uint8Array[]): PyValue {
  const { name, bytes } = STORAGES[t.dtype];
  const values = t.dataSync();
  const data = t.dtype === "int64" ? BigInt64Array.from(values as Int32Array, (x) => BigInt(x)) : values;
  storages.push(new Uint8Array(data.buffer, data.byteOffset, values.length * bytes).slice());
  const shape = [...t.shape];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, d) => a * d, 1));
  const storage = new PersistentId(new Tuple(["storage", new Global("torch", name), String(storages.length - 1), "cpu", values.length]));
  const tensor = new Reduce(new Global("torch._utils", "_rebuild_tensor_v2"),
    new Tuple([storage, 0, new Tuple(shape), new Tuple(strides), t.requiresGrad && t.isLeaf, new PyDict([], true)]));
  if (!(t instanceof Parameter)) return tensor;
  return new Reduce(new Global("torch._utils", "_rebuild_parameter"), new Tuple([tensor, t.requiresGrad, new PyDict([], true)]));
}

// ---- load ------------------------------------------------------------------------------------

/**
 * `torch.load(path)`: reads a `.pt` file written by PyTorch (`torch.save`, zip format, torch ≥ 1.6)
 * or by nnlab: tensors (float32, int64, bool), state dicts and dicts / lists / tuples of them come
 * back as Tensors, plain objects (in the file's order) and arrays. The whole file is read and
 * checked before anything is returned; a file that is not a PyTorch zip, is truncated, holds
 * objects nnlab cannot rebuild or tensors that do not fit their storage is a SerializationError.
 *
 * Typed `any` by default, as Python's: `model.loadStateDict(torch.load("model.pt"))` and
 * `torch.load("ckpt.pt")["model"]` type-check; `loadStateDict` checks at run time that it got a
 * state dict. Name the type to have it checked instead: `torch.load<nn.StateDict>("model.pt")`.
 */
export function load<T = any>(file: string): T {
  if (typeof file !== "string" || file === "") throw new TorchTypeError("torch.load(path): path must be a file name");
  const bytes = fs.readFileSync(file);
  const where = `torch.load(${JSON.stringify(file)})`;
  const records = readZip(bytes, where);
  const pklName = [...records.keys()].find((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (!pklName) throw new SerializationError(`${where}: the zip has no <folder>/data.pkl record, so it was not written by torch.save`);
  const folder = pklName.slice(0, -"data.pkl".length);
  const byteorder = records.get(`${folder}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== "little") {
    throw new SerializationError(`${where}: the storages are big-endian; nnlab reads little-endian files only`);
  }
  try {
    return unpickle(records.get(pklName)!, hooks(records, folder)) as T;
  } catch (e) {
    if (e instanceof SerializationError) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

function readZip(bytes: Uint8Array, where: string): Map<string, Uint8Array> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const legacy = bytes[0] === 0x80 ? " It looks like PyTorch's legacy format (before 1.6): load it in PyTorch and save it again with torch.save." : "";
    throw new SerializationError(`${where}: not a PyTorch file (a .pt file is a zip archive, and this one does not start with one).${legacy}`);
  }
  try {
    return new Map(Object.entries(unzipSync(bytes)));
  } catch (e) {
    throw new SerializationError(`${where}: the zip archive is damaged or truncated (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A storage the pickle refers to: its dtype and values (int64 as int32, checked to fit). */
interface Storage { dtype: DType; values: Float32Array | Int32Array | Uint8Array }
/** The marker findGlobal returns for a storage class (torch.FloatStorage). */
class StorageType { constructor(readonly name: string) {} }
/** An OrderedDict's rebuild function: the loader's dicts are plain objects. */
const ORDERED_DICT = Symbol("OrderedDict");
const REBUILD_TENSOR = Symbol("_rebuild_tensor_v2");
const REBUILD_PARAMETER = Symbol("_rebuild_parameter");

function hooks(records: Map<string, Uint8Array>, folder: string): UnpickleHooks {
  const storages = new Map<string, Storage>();
  const dict = (entries: [unknown, unknown][]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    setItems(out, entries);
    return out;
  };
  const setItems = (target: unknown, entries: [unknown, unknown][]): void => {
    if (typeof target !== "object" || target === null || Array.isArray(target) || target instanceof Tensor) {
      throw new SerializationError("the pickle sets dict items on something that is not a dict");
    }
    for (const [k, v] of entries) {
      if (typeof k !== "string" && typeof k !== "number") throw new SerializationError(`a dict key is ${describe(k)}; nnlab reads string and integer keys`);
      Object.defineProperty(target, String(k), { value: v, enumerable: true, writable: true, configurable: true });
    }
  };
  return {
    findGlobal(module, name) {
      const full = `${module}.${name}`;
      if (full === "collections.OrderedDict") return ORDERED_DICT;
      if (full === "torch._utils._rebuild_tensor_v2") return REBUILD_TENSOR;
      if (full === "torch._utils._rebuild_parameter") return REBUILD_PARAMETER;
      if (module === "torch" && name.endsWith("Storage")) return new StorageType(name);
      throw new SerializationError(`the file holds a ${full} object, which nnlab cannot rebuild; ` +
        "save tensors, state dicts (model.state_dict()), or dicts and lists of them");
    },
    persistentLoad(id) {
      if (!Array.isArray(id) || id[0] !== "storage" || !(id[1] instanceof StorageType) || id.length < 5) {
        throw new SerializationError(`unknown persistent id ${JSON.stringify(id)}`);
      }
      const [, type, key, , numel] = id as [string, StorageType, string, string, number];
      let storage = storages.get(String(key));
      if (!storage) storages.set(String(key), (storage = readStorage(records, `${folder}data/${key}`, type.name, Number(numel))));
      return storage;
    },
    call(callable, args) {
      if (callable === ORDERED_DICT) {
        if (args.length !== 0) throw new SerializationError("OrderedDict(...) with arguments is not supported");
        return {};
      }
      if (callable === REBUILD_TENSOR) return rebuildTensor(args);
      if (callable === REBUILD_PARAMETER) {
        const [data, requiresGrad] = args;
        if (!(data instanceof Tensor)) throw new SerializationError("_rebuild_parameter without a tensor");
        return new Parameter(data, requiresGrad === true);
      }
      throw new SerializationError("the pickle calls something that is not a tensor or OrderedDict rebuild");
    },
    build(obj, state) {
      // An OrderedDict state dict carries `_metadata` (module versions), which nnlab does not need.
      if (typeof obj === "object" && obj !== null && !(obj instanceof Tensor)) return;
      throw new SerializationError(`BUILD with state ${describe(state)} on ${describe(obj)} is not supported`);
    },
    dict,
    setItems,
  };
}

function readStorage(records: Map<string, Uint8Array>, name: string, type: string, numel: number): Storage {
  const dtype = DTYPE_OF_STORAGE.get(type);
  if (!dtype) {
    const fix = type === "DoubleStorage" || type === "HalfStorage" || type === "BFloat16Storage" ? " (convert it with .float() before saving)" : "";
    throw new SerializationError(`a tensor is stored as torch.${type}; nnlab reads float32, int64 and bool tensors${fix}`);
  }
  const bytes = records.get(name);
  if (!bytes) throw new SerializationError(`the storage record ${name} is missing`);
  const width = STORAGES[dtype].bytes;
  if (!Number.isInteger(numel) || numel < 0 || bytes.length !== numel * width) {
    throw new SerializationError(`the storage ${name} holds ${bytes.length} bytes, but ${numel} ${dtype} elements need ${numel * width}`);
  }
  const copy = bytes.slice(); // aligned, owned
  if (dtype === "float32") return { dtype, values: new Float32Array(copy.buffer, 0, numel) };
  if (dtype === "bool") return { dtype, values: copy };
  const wide = new BigInt64Array(copy.buffer, 0, numel);
  const values = new Int32Array(numel);
  for (let i = 0; i < numel; i++) {
    const v = wide[i];
    if (v > 2147483647n || v < -2147483648n) {
      throw new SerializationError(`the int64 storage ${name} holds ${v} (element ${i}), beyond the int32 range nnlab stores int64 tensors in`);
    }
    values[i] = Number(v);
  }
  return { dtype, values };
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`: the elements the view reads, copied contiguous. */
function rebuildTensor(args: unknown[]): Tensor {
  const [storage, offset, size, stride, requiresGrad] = args as [Storage, number, number[], number[], boolean];
  const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);
  if (typeof storage !== "object" || storage === null || !("values" in storage)) throw new SerializationError("a tensor without a storage");
  if (!Number.isInteger(offset) || offset < 0 || !ints(size) || !ints(stride) || size.length !== stride.length) {
    throw new SerializationError(`a tensor with offset ${offset}, size ${JSON.stringify(size)} and stride ${JSON.stringify(stride)} is malformed`);
  }
  const numel = size.reduce((a, d) => a * d, 1);
  const last = numel === 0 ? offset - 1 : offset + size.reduce((a, d, i) => a + (d - 1) * stride[i], 0);
  if (last >= storage.values.length) {
    throw new SerializationError(`a tensor of size [${size.join(", ")}] (stride [${stride.join(", ")}], offset ${offset}) ` +
      `reads element ${last} of a storage of ${storage.values.length}`);
  }
  const values = gather(storage.values, offset, size, stride, numel);
  const t = new Tensor(tf.tensor(values, size, storage.dtype === "int64" ? "int32" : storage.dtype));
  if (requiresGrad === true) t.requiresGrad_();
  return t;
}

function gather<A extends Float32Array | Int32Array | Uint8Array>(src: A, offset: number, size: number[], stride: number[], numel: number): A {
  const out = new (src.constructor as new (n: number) => A)(numel);
  const index = new Array<number>(size.length).fill(0);
  for (let k = 0; k < numel; k++) {
    let at = offset;
    for (let d = 0; d < size.length; d++) at += index[d] * stride[d];
    out[k] = src[at];
    for (let d = size.length - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
