/**
 * An 8-bit image, what torchvision's datasets hand to transforms (a PIL image there): bytes in
 * height × width × channels order, usually a view into the dataset's file (no copy).
 * `transforms.ToTensor()` turns it into a float tensor [C, H, W] in [0, 1].
 */
import { inspectCustom } from "../display/inspect";
import { image } from "../display/pictures";
import { DISPLAY, type DisplayMetadata, type MimeBundle } from "../display/protocol";
import { ValueError } from "../errors";

export class Image {
  constructor(readonly data: Uint8Array, readonly height: number, readonly width: number, readonly channels = 1) {
    if (data.length !== height * width * channels) {
      throw new ValueError(`Image: ${data.length} bytes do not fill ${height}×${width}×${channels}`);
    }
  }

  /** PIL's mode: "L" for grey, "RGB", "RGBA". */
  get mode(): string {
    return ({ 1: "L", 3: "RGB", 4: "RGBA" } as Record<number, string>)[this.channels] ?? `${this.channels}-channel`;
  }

  /** [H, W] for grey, [C, H, W] otherwise (what a picture display expects). */
  get shape(): number[] {
    return this.channels === 1 ? [this.height, this.width] : [this.channels, this.height, this.width];
  }

  /** Values in `shape` order. */
  dataSync(): Uint8Array {
    if (this.channels === 1) return this.data;
    const { height: h, width: w, channels: c } = this;
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out[k * h * w + i] = this.data[i * c + k];
    return out;
  }

  tolist(): number[][] | number[][][] {
    const flat = this.dataSync();
    const rows = (plane: number) => Array.from({ length: this.height }, (_, y) =>
      Array.from(flat.subarray((plane * this.height + y) * this.width, (plane * this.height + y + 1) * this.width)));
    return this.channels === 1 ? rows(0) : Array.from({ length: this.channels }, (_, k) => rows(k));
  }

  toString(): string {
    return `<Image mode=${this.mode} size=${this.width}x${this.height}>`;
  }
  [inspectCustom](): string { return this.toString(); }
  [DISPLAY](): { data: MimeBundle; metadata: DisplayMetadata } {
    return image(this, { range: [0, 255] })[DISPLAY]();
  }
}
