/** Decoding PNGs in tests (pngjs) and simple facts about their pixels. */
import { PNG } from "pngjs";
import type { MimeBundle, DisplayMetadata, DisplaySink } from "../../lib/display/protocol";

export interface Decoded { width: number; height: number; data: Buffer }

export function decodePng(png: string | Uint8Array): Decoded {
  const { width, height, data } = PNG.sync.read(typeof png === "string" ? Buffer.from(png, "base64") : Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  return { width, height, data };
}

export function pixel(image: Decoded, x: number, y: number): [number, number, number, number] {
  const i = (y * image.width + x) * 4;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!, image.data[i + 3]!];
}

/** Pixels within `tolerance` (per channel) of `rgb`. */
export function countNear(image: Decoded, rgb: readonly [number, number, number], tolerance = 24): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (Math.abs(image.data[i]! - rgb[0]) <= tolerance && Math.abs(image.data[i + 1]! - rgb[1]) <= tolerance &&
      Math.abs(image.data[i + 2]! - rgb[2]) <= tolerance) n++;
  }
  return n;
}

/** Pixels whose colour satisfies `test`. */
export function countWhere(image: Decoded, test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) if (test(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!)) n++;
  return n;
}

/** Share of pixels that are not white. */
export function inkShare(image: Decoded): number {
  return 1 - countNear(image, [255, 255, 255], 8) / (image.width * image.height);
}

export interface SentMessage { kind: "display" | "update" | "clear"; data?: MimeBundle; metadata?: DisplayMetadata; displayId?: string; wait?: boolean }

/** A DisplaySink that records what a kernel would send. */
export function recordingSink(): { sink: DisplaySink; sent: SentMessage[] } {
  const sent: SentMessage[] = [];
  return {
    sent,
    sink: {
      display: (data, metadata, displayId) => { sent.push({ kind: "display", data, metadata, displayId }); },
      update: (data, metadata, displayId) => { sent.push({ kind: "update", data, metadata, displayId }); },
      clear: (wait) => { sent.push({ kind: "clear", wait }); },
    },
  };
}
