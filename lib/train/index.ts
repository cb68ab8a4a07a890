/** The lecture's MNIST training: its two models and its `train(epoch)` / `test()` loop. */
export { Net, FullyConnectedNet } from "./models";
export { lectureTraining, lossLine, accuracyLine, type LectureSetup, type Accuracy } from "./lecture";
