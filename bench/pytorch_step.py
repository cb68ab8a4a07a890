#!/usr/bin/python3
"""PyTorch's side of bench/step.ts: ms per training step of the lecture's two nets (batch 64, SGD momentum 0.5).
Prints one JSON line: {"torch": version, "threads": n, "cnn": [ms...], "fc": [ms...]}."""
import json, sys, time
import torch
import torch.nn.functional as F

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(320, 10)
    def forward(self, x):
        b = x.size(0)
        x = F.relu(self.pooling(self.conv1(x)))
        x = F.relu(self.pooling(self.conv2(x)))
        return self.fc(x.view(b, -1))

class FC(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.Linear(784, 512); self.l2 = torch.nn.Linear(512, 256); self.l3 = torch.nn.Linear(256, 128)
        self.l4 = torch.nn.Linear(128, 64); self.l5 = torch.nn.Linear(64, 10)
    def forward(self, x):
        x = x.view(-1, 784)
        for l in (self.l1, self.l2, self.l3, self.l4): x = F.relu(l(x))
        return self.l5(x)

def times(model, steps, runs):
    crit = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    x = torch.randn(64, 1, 28, 28); y = torch.randint(0, 10, (64,))
    def step():
        opt.zero_grad(); loss = crit(model(x), y); loss.backward(); opt.step(); loss.item()
    for _ in range(10): step()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(steps): step()
        out.append((time.perf_counter() - t0) * 1000 / steps)
    return out

steps, runs = int(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                  "cnn": times(Net(), steps, runs), "fc": times(FC(), steps, runs)}))
