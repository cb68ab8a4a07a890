/** `torch.device`: tensors live wherever the selected backend keeps them (one device at a time). */
import { inspectCustom } from "../display/inspect";
import { RuntimeError } from "../errors";

export type DeviceType = "cpu" | "cuda";

/** A device as `torch.device("cuda" if torch.cuda.is_available() else "cpu")` gives it: `type` is `"cpu"` or `"cuda"`, `index` the device number or null. */
export class Device {
  constructor(
    /** `"cpu"` or `"cuda"`. */
    readonly type: DeviceType,
    /** The device number (`cuda:0` → 0), or null when none was given. */
    readonly index: number | null = null,
  ) {}
  /** `"cpu"`, `"cuda"` or `"cuda:0"`, as `str(device)`. */
  toString(): string { return this.index === null ? this.type : `${this.type}:${this.index}`; }
  [inspectCustom](): string { return `device(type='${this.type}'${this.index === null ? "" : `, index=${this.index}`})`; }
}

let cudaAvailable = false;

/** Set once the backend is chosen (tfjs-node-gpu means CUDA). */
export function setCudaAvailable(available: boolean): void {
  cudaAvailable = available;
}

export function isCudaAvailable(): boolean {
  return cudaAvailable;
}

export function currentDevice(): Device {
  return cudaAvailable ? new Device("cuda", 0) : new Device("cpu");
}

/** `torch.device("cuda:0")`, `torch.device("cpu")`. */
export function device(spec: string | Device): Device {
  if (spec instanceof Device) return spec;
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(String(spec).trim());
  if (!m) {
    throw new RuntimeError(`Expected one of cpu, cuda device type at start of device string: ${spec}`);
  }
  return new Device(m[1] as DeviceType, m[2] === undefined ? null : Number(m[2]));
}

/** Validates a `.to(device)` target: CUDA only when the CUDA backend is running. */
export function parseDevice(spec: string | Device, where: string): Device {
  const d = device(spec);
  if (d.type === "cuda" && !cudaAvailable) {
    throw new RuntimeError(`${where}: CUDA is not available (no @tensorflow/tfjs-node-gpu with a GPU). ` +
      `Pick the device with torch.device(torch.cuda.isAvailable() ? "cuda:0" : "cpu").`);
  }
  if (d.type === "cuda" && d.index !== null && d.index !== 0) {
    throw new RuntimeError(`${where}: only one CUDA device (cuda:0) is supported, got ${d}`);
  }
  return d;
}
