"""The lecture's two MNIST nets in PyTorch and their training step, shared by the benchmark scripts."""
import time

import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(320, 10)

    def forward(self, x):
        batch_size = x.size(0)
        x = F.relu(self.pooling(self.conv1(x)))
        x = F.relu(self.pooling(self.conv2(x)))
        x = x.view(batch_size, -1)
        return self.fc(x)


class FullyConnectedNet(torch.nn.Module):
    def __init__(self):
        super(FullyConnectedNet, self).__init__()
        self.l1 = torch.nn.Linear(784, 512)
        self.l2 = torch.nn.Linear(512, 256)
        self.l3 = torch.nn.Linear(256, 128)
        self.l4 = torch.nn.Linear(128, 64)
        self.l5 = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        x = F.relu(self.l3(x))
        x = F.relu(self.l4(x))
        return self.l5(x)


def stepper(model, warmup):
    """A training step of `model` on one fixed random batch of 64 (SGD lr 0.01, momentum 0.5), after `warmup` steps."""
    crit = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    x = torch.randn(64, 1, 28, 28); y = torch.randint(0, 10, (64,))
    def step():
        opt.zero_grad(); loss = crit(model(x), y); loss.backward(); opt.step(); loss.item()
    for _ in range(warmup): step()
    return step


def own_step_ms(model, runs=7, steps=30):
    """Median ms per step of `model` over `runs` runs of `steps` steps, in this process (after 30 warm-up steps)."""
    step = stepper(model, 30)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(steps): step()
        times.append((time.perf_counter() - t0) * 1000 / steps)
    return sorted(times)[runs // 2]
