/**
 * The lecture's `train(epoch)` and `test()`, line for line, over the objects a notebook sets up
 * (model, loaders, criterion, optimizer, device). The loss line keeps the lecture's format — the
 * running loss of 300 batches divided by 2000, as the slide's code does — and adds the true mean.
 */
import { enumerate } from "../data/enumerate";
import { progress } from "../data/progress";
import type { Module } from "../nn/module";
import type { Optimizer } from "../optim/optimizer";
import { withGradMode } from "../tensor/autograd";
import type { Device } from "../tensor/device";
import * as ops from "../ops";
import type { Tensor } from "../tensor/tensor";

export interface LectureSetup {
  model: Module;
  trainLoader: Iterable<[Tensor, Tensor]> & AsyncIterable<[Tensor, Tensor]> & { readonly length: number };
  testLoader: Iterable<[Tensor, Tensor]> & AsyncIterable<[Tensor, Tensor]>;
  criterion: (outputs: Tensor, target: Tensor) => Tensor;
  optimizer: Optimizer<object>;
  device: Device | string;
  /** Where printed lines go (default console.log). */
  print?: (line: string) => void;
  /** A progress bar over each epoch's batches (default false). */
  progress?: boolean;
}

export interface Accuracy {
  correct: number;
  total: number;
  /** correct / total, between 0 and 1. */
  accuracy: number;
}

/** ` [1,   300] loss: 0.108  (mean 0.720)`: the lecture's `' [%d, %5d] loss: %.3f'` and the true mean. */
export function lossLine(epoch: number, batchIdx: number, runningLoss: number, batches = 300): string {
  return ` [${epoch + 1}, ${String(batchIdx + 1).padStart(5)}] loss: ${(runningLoss / 2000).toFixed(3)}  (mean ${(runningLoss / batches).toFixed(3)})`;
}

/** `Accuracy on test set: 98 % [9869/10000]`: the lecture's `'%d %%'` truncates. */
export function accuracyLine(correct: number, total: number): string {
  return `Accuracy on test set: ${Math.trunc((100 * correct) / total)} % [${correct}/${total}]`;
}

export function lectureTraining(setup: LectureSetup): { train(epoch: number): Promise<void>; test(): Promise<Accuracy> } {
  const { model, trainLoader, testLoader, criterion, optimizer, device } = setup;
  const print = setup.print ?? ((line: string) => console.log(line));

  async function train(epoch: number): Promise<void> {
    let runningLoss = 0.0;
    const bar = progress(trainLoader, { desc: `epoch ${epoch + 1}`, quiet: !setup.progress });
    const printLoss = setup.print ?? ((line: string) => bar.write(line)); // keeps the bar intact
    for await (const [batchIdx, data] of enumerate(bar, 0)) {
      let [inputs, target] = data;
      [inputs, target] = [inputs.to(device), target.to(device)];
      optimizer.zeroGrad();

      // forward + backward + update
      const outputs = model(inputs);
      const loss = criterion(outputs, target);
      loss.backward();
      optimizer.step();

      runningLoss += loss.item();
      if (batchIdx % 300 === 299) {
        printLoss(lossLine(epoch, batchIdx, runningLoss));
        runningLoss = 0.0;
      }
    }
  }

  async function test(): Promise<Accuracy> {
    let correct = 0;
    let total = 0;
    await withGradMode(false, async () => {
      for await (const data of testLoader) {
        let [inputs, target] = data;
        [inputs, target] = [inputs.to(device), target.to(device)];
        const outputs = model(inputs);
        const [, predicted] = ops.max(outputs.data, 1);
        total += target.size(0);
        correct += predicted.eq(target).sum().item();
      }
    });
    print(accuracyLine(correct, total));
    return { correct, total, accuracy: correct / total };
  }

  return { train, test };
}
