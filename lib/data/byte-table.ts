/**
 * A pointwise image transform (transforms.ToTensor, Normalize, Compose of them) as a table of the
 * 256 byte values, so that a batch of one-channel images is one table lookup per pixel.
 */
import type { Transform } from "./transforms";

const byteTables = new WeakMap<Transform, Float32Array | null>();

/**
 * What a pointwise transform makes of each of the 256 byte values of a one-channel image, or
 * undefined when it is not pointwise (or refuses one-channel images: the batch itself then says
 * why). Computed once per transform by its own batched form, so `table[byte]` is bit for bit the
 * value the batched form gives that pixel; a batch is then one table lookup per pixel.
 */
export function byteTable(t: Transform): Float32Array | undefined {
  if (!t.pointwise || !t.batched) return undefined;
  let table = byteTables.get(t);
  if (table === undefined) {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    try {
      const out = t.batched({ kind: "bytes", data: bytes, shape: [256, 1, 1, 1] });
      table = out.kind === "float" ? out.data : null;
    } catch {
      table = null;
    }
    byteTables.set(t, table);
  }
  return table ?? undefined;
}
