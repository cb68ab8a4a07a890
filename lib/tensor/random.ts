/**
 * The library's one random generator, reseeded by `torch.manualSeed(n)`. Everything random
 * (rand/randn, parameter initialisation, DataLoader shuffling, dropout masks) draws from it, so a
 * seeded notebook repeats exactly. (Its stream is not PyTorch's mt19937: same distributions, other
 * numbers.)
 */
import { TorchTypeError } from "../errors";

/** xoshiro128** — small, fast, and good enough for simulation. */
class Xoshiro128 {
  private s = new Uint32Array(4);
  constructor(seed: number) { this.seed(seed); }

  seed(seed: number): void {
    // splitmix32 expands the seed into the four words of state.
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      this.s[i] = (t ^ (t >>> 15)) >>> 0;
    }
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const generator = new Xoshiro128(Date.now() ^ (Math.random() * 0x7fffffff));
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TorchTypeError(`manualSeed expects an integer seed, got ${seed}`);
  generator.seed(seed);
}

/** Uniform in [0, 1). */
export function uniform(): number {
  return generator.nextUint32() / 4294967296;
}

/** Uniform integer in [0, n). */
export function randint(n: number): number {
  return Math.floor(uniform() * n);
}

export function fillUniform(out: Float32Array, low: number, high: number): Float32Array {
  const span = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + span * uniform();
  return out;
}

/** Standard normal samples (Box–Muller, both outputs used). */
export function fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function randperm(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randint(i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
