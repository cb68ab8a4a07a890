#!/usr/bin/python3
"""PyTorch's side of bench/step.ts: ms per training step of the lecture's two nets (batch 64, SGD momentum 0.5).
Prints one JSON line: {"torch": version, "threads": n, "cnn": [ms...], "fc": [ms...]}."""
import json, sys, time
import torch

from lecture_nets import FullyConnectedNet as FC, Net

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
