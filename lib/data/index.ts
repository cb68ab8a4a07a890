/**
 * Data loading, as torchvision and torch.utils.data spell it:
 * `datasets.MNIST`, `transforms.Compose / ToTensor / Normalize`, `DataLoader`, `data.Dataset`,
 * `data.TensorDataset`, plus Python's `enumerate` and a `progress` bar for long loops.
 */
export * as transforms from "./transforms";
export * as datasets from "./datasets";
export * as data from "./utils";
export * from "./utils";
export { MNIST, type MNISTOptions } from "./mnist";
export type { Transform, ImageBatch } from "./transforms";
export { Image } from "./image";
export { IdxError, readIdx, parseIdx, type IdxArray } from "./idx";
export { enumerate, Enumerated } from "./enumerate";
export { progress, Progress, formatProgress, formatDuration, type ProgressOptions, type ProgressState } from "./progress";
