#!/usr/bin/python3
"""PyTorch's side of bench/step.ts: training steps of the lecture's two nets (batch 64, SGD momentum 0.5),
timed on request so that bench/step.ts can alternate its own runs with these in one process run.
Prints {"torch": version, "threads": n} first, then reads lines "cnn|fc STEPS" and answers each with
the mean wall and CPU ms per step of that many steps (the first request of a net also runs the warm-up)."""
import json, sys, time
import torch

from lecture_nets import FullyConnectedNet as FC, Net, stepper

WARMUP = int(sys.argv[1]) if len(sys.argv) > 1 else 150


torch.manual_seed(0)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
steppers = {}
for line in sys.stdin:
    net, steps = line.split()
    if net not in steppers:
        steppers[net] = stepper(Net() if net == "cnn" else FC(), WARMUP)
    step = steppers[net]
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(int(steps)): step()
    print((time.perf_counter() - t0) * 1000 / int(steps), (time.process_time() - c0) * 1000 / int(steps), flush=True)
