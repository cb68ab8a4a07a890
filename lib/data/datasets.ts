/** `torchvision.datasets`. */
export { MNIST, MNISTDataset, MNIST_CLASSES, bundledMnistFolder, type MNISTOptions } from "./mnist";
