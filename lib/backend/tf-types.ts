/**
 * The tfjs-core types the library's declarations name (a tensor's backend handle, the optimizers'
 * `update`), imported from the files that declare them instead of tfjs-core's index. A program that
 * reads nnlab's .d.ts files (the kernel's type checker before every cell, a user's editor) then
 * loads 3 of tfjs-core's declaration files, not the index's 294. Two of them reference @webgpu/types,
 * which the kernel's checker reads as empty until a cell names a GPU type (kernel/checker.ts).
 */
export type { Tensor } from "@tensorflow/tfjs-core/dist/tensor";
export type { DataType, Rank } from "@tensorflow/tfjs-core/dist/types";
