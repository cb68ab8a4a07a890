/**
 * The lecture's two networks and the fixture's rule for deterministic weights
 * (tests/fixtures/torch_reference.json, `nets.rule`).
 */
import { torch, type Tensor } from "../../lib/index";

/** The lecture's networks, as the library ships them (lib/train/models.ts). */
export { Net, FullyConnectedNet as FCNet } from "../../lib/train";

/** The fixture's `rule`: scale * sin(1.7 i + offset) over the flat index i, in float64, then float32. */
export function formula(shape: number[], offset: number, scale: number): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const v = Float32Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + offset));
  return torch.tensor(v).view(shape);
}

export function setWeightsByRule(model: torch.nn.Module): void {
  let j = 0;
  for (const [, p] of model.namedParameters()) {
    const fanIn = p.dim() > 1 ? p.numel() / p.shape[0] : p.numel();
    const values = formula([...p.shape], j++, 1 / Math.sqrt(fanIn));
    torch.noGrad(() => p.copy_(values));
  }
}
