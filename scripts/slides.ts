/**
 * `npm start` (until the notebook runner lands): runs the "Basic CNN" lecture's slide code with
 * nnlab, as the lecture writes it, and prints what PyTorch prints.
 */
import { torch, nn } from "../lib/index";

function heading(title: string): void {
  console.log(`\n# ${title}`);
}

async function main(): Promise<void> {
  const backend = await torch.ready();
  console.log(`nnlab on the ${backend.name} backend (${backend.threads} thread${backend.threads === 1 ? "" : "s"})`);

  heading("Convolutional Layer");
  const [inChannels, outChannels] = [5, 10];
  const [width, height] = [100, 100];
  const kernelSize = 3;
  const batchSize = 1;
  const input = torch.randn(batchSize, inChannels, width, height);
  const convLayer = new nn.Conv2d(inChannels, outChannels, kernelSize);
  const output = convLayer(input);
  console.log(input.shape);
  console.log(output.shape);
  console.log(convLayer.weight.shape);

  const image = torch.Tensor([3, 4, 6, 5, 7,
    2, 4, 6, 8, 2,
    1, 6, 7, 8, 4,
    9, 7, 4, 6, 2,
    3, 7, 5, 4, 1]).view(1, 1, 5, 5);
  const kernel = torch.Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]).view(1, 1, 3, 3);

  heading("Convolutional Layer – padding=1");
  const padded = new nn.Conv2d(1, 1, 3, { padding: 1, bias: false });
  padded.weight.data = kernel.data;
  console.log(padded(image));

  heading("Convolutional Layer – stride=2");
  const strided = new nn.Conv2d(1, 1, 3, { stride: 2, bias: false });
  strided.weight.data = kernel.data;
  console.log(strided(image));

  heading("Max Pooling Layer");
  const poolInput = torch.Tensor([3, 4, 6, 5,
    2, 4, 6, 8,
    1, 6, 7, 8,
    9, 7, 4, 6]).view(1, 1, 4, 4);
  const maxpoolingLayer = new nn.MaxPool2d(2);
  console.log(maxpoolingLayer(poolInput));
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
