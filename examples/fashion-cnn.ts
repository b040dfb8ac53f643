// Fashion-MNIST CNN (`npm run example:fashion-cnn`): 2 × (conv 3×3 + ReLU + max-pool 2) + dense with dropout, jit(valueAndGrad) + Adam with cosine decay; writes out/fashion-cnn/curves.svg.
import { pathToFileURL } from 'node:url';
import { nn } from '../src/index.js';
import { fitFashionMnist, intOption, numOption, type FitOptions, type FitResult } from './lib/fashion.js';
import { writeCurves } from './lib/plot.js';

/** The model (NHWC): conv(c1) → pool → conv(c2) → pool → dense(128) → dropout → dense(10); the benchmark table's 2-conv CNN class (0.916 published). */
export const cnn = (c1 = 32, c2 = 64, dropout = 0.3): nn.Layer =>
  nn.sequential(
    nn.conv2d(c1, 3, { padding: 'SAME' }), nn.relu, nn.maxPool(2), // [N, 28, 28, 1] -> [N, 14, 14, c1]
    nn.conv2d(c2, 3, { padding: 'SAME' }), nn.relu, nn.maxPool(2), // -> [N, 7, 7, c2]
    nn.flatten(), nn.dense(128), nn.relu, nn.dropout(dropout), nn.dense(10),
  );

export type RunOptions = Partial<Pick<FitOptions, 'epochs' | 'limit' | 'trainLimit' | 'data' | 'batchSize' | 'lr' | 'stream' | 'log' | 'label'>> & {
  readonly outDir?: string;
  readonly channels?: readonly [number, number];
  readonly title?: string;
};

/** Trains the CNN on Fashion-MNIST and writes its curves; returns the fit and the plot's path. */
export async function run(opts: RunOptions = {}): Promise<FitResult & { plot: string }> {
  const epochs = opts.epochs ?? 8;
  const [c1, c2] = opts.channels ?? [32, 64];
  const res = fitFashionMnist({
    model: cnn(c1, c2), inputShape: [-1, 28, 28, 1], epochs, limit: opts.limit, trainLimit: opts.trainLimit, batchSize: opts.batchSize ?? 128, lr: opts.lr ?? 1e-3, cosine: true,
    label: opts.label ?? 'cnn epoch', ...(opts.data ? { data: opts.data } : {}), ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  const plot = await writeCurves(`${opts.outDir ?? 'out/fashion-cnn'}/curves.svg`, res.history, opts.title ?? `Fashion-MNIST CNN conv${c1}-conv${c2}-dense128 (tensorlaw)`);
  return { ...res, plot };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --epochs / EPOCHS, --limit / LIMIT, --c1 / C1, --c2 / C2, --lr / LR
  const epochs = intOption('epochs', 8)!, limit = intOption('limit', undefined), lr = numOption('lr', 1e-3);
  const c1 = intOption('c1', 32)!, c2 = intOption('c2', 64)!;
  console.log(`Fashion-MNIST CNN conv${c1}-pool-conv${c2}-pool-dense128 (dropout 0.3), Adam ${lr} with cosine decay, batch 128, ${epochs} epochs${limit ? `, first ${limit} examples` : ''}`);
  const r = await run({ epochs, limit, lr, channels: [c1, c2], log: (s) => console.log(s) });
  console.log(`test accuracy ${r.testAcc.toFixed(4)} on ${r.testSize} test images after ${epochs} epochs on ${r.trainSize} (best ${r.bestAcc.toFixed(4)} at epoch ${r.bestEpoch}); ` +
    `wall time ${r.seconds.toFixed(1)} s (${Math.round(r.examplesPerSecond)} train examples/s; step traced ${r.traceCount}x)`);
  console.log(`curves: ${r.plot}`);
}
