/** The lecture's two MNIST models, as its slides define them. */
import * as nn from "../nn";
import * as F from "../nn/functional";
import type { Tensor } from "../tensor/tensor";

/** The lecture's CNN: conv 1→10 (k5), pool, relu, conv 10→20 (k5), pool, relu, linear 320→10. */
export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 10, 5);
  conv2 = new nn.Conv2d(10, 20, 5);
  pooling = new nn.MaxPool2d(2);
  fc = new nn.Linear(320, 10);

  forward(x: Tensor): Tensor {
    // Flatten data from (n, 1, 28, 28) to (n, 784)
    const batchSize = x.size(0);
    x = F.relu(this.pooling(this.conv1(x)));
    x = F.relu(this.pooling(this.conv2(x)));
    x = x.view(batchSize, -1); // flatten
    x = this.fc(x);
    return x;
  }
}

/** The fully connected net of the lecture's revision slide: 784-512-256-128-64-10 with ReLU. */
export class FullyConnectedNet extends nn.Module {
  l1 = new nn.Linear(784, 512);
  l2 = new nn.Linear(512, 256);
  l3 = new nn.Linear(256, 128);
  l4 = new nn.Linear(128, 64);
  l5 = new nn.Linear(64, 10);

  forward(x: Tensor): Tensor {
    x = x.view(-1, 784);
    x = F.relu(this.l1(x));
    x = F.relu(this.l2(x));
    x = F.relu(this.l3(x));
    x = F.relu(this.l4(x));
    return this.l5(x);
  }
}
