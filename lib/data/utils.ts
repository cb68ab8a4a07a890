/** `torch.utils.data`. */
export { Dataset, TensorDataset, Subset, randomSplit, type MapDataset } from "./dataset";
export { DataLoader, type DataLoaderOptions } from "./loader";
export { defaultCollate, type Collated } from "./collate";
