/** `torch.utils.data`. */
export { Dataset, TensorDataset, Subset, randomSplit } from "./dataset";
export { DataLoader, type DataLoaderOptions } from "./loader";
export { defaultCollate, type Collated } from "./collate";
