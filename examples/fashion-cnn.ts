// Fashion-MNIST CNN (`npm run example:fashion-cnn`): 2 × (conv 3×3 + ReLU + max-pool 2) + dense with dropout, jit(valueAndGrad) + Adam; writes out/fashion-cnn/curves.svg.
import { pathToFileURL } from 'node:url';
import { nn } from '../src/index.js';
import { fitFashionMnist, envInt, type FitOptions, type FitResult } from './lib/fashion.js';
import { writeCurves } from './lib/plot.js';

/** The model (NHWC): conv(c1) → pool → conv(c2) → pool → dense(128) → dropout → dense(10); the benchmark table's 2-conv CNN class (0.916 published). */
export const cnn = (c1 = 16, c2 = 32): nn.Layer =>
  nn.sequential(
    nn.conv2d(c1, 3, { padding: 'SAME' }), nn.relu, nn.maxPool(2), // [N, 28, 28, 1] -> [N, 14, 14, c1]
    nn.conv2d(c2, 3, { padding: 'SAME' }), nn.relu, nn.maxPool(2), // -> [N, 7, 7, c2]
    nn.flatten(), nn.dense(128), nn.relu, nn.dropout(0.3), nn.dense(10),
  );

export type RunOptions = Partial<Pick<FitOptions, 'epochs' | 'limit' | 'batchSize' | 'lr' | 'stream' | 'log'>> & {
  readonly outDir?: string;
  readonly channels?: readonly [number, number];
};

/** Trains the CNN on Fashion-MNIST and writes its curves; returns the fit and the plot's path. */
export async function run(opts: RunOptions = {}): Promise<FitResult & { plot: string }> {
  const epochs = opts.epochs ?? 10;
  const [c1, c2] = opts.channels ?? [16, 32];
  const res = fitFashionMnist({
    model: cnn(c1, c2), inputShape: [-1, 28, 28, 1], epochs, limit: opts.limit, batchSize: opts.batchSize ?? 128, lr: opts.lr ?? 1e-3, cosine: true,
    label: 'cnn epoch', ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  const plot = await writeCurves(`${opts.outDir ?? 'out/fashion-cnn'}/curves.svg`, res.history, `Fashion-MNIST CNN conv${c1}-conv${c2}-dense128 (tensorlaw)`);
  return { ...res, plot };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const epochs = envInt('EPOCHS', 10)!, limit = envInt('LIMIT', undefined);
  const c1 = envInt('C1', 16)!, c2 = envInt('C2', 32)!;
  console.log(`Fashion-MNIST CNN conv${c1}-pool-conv${c2}-pool-dense128 (dropout 0.3), Adam 1e-3 with cosine decay, batch 128, ${epochs} epochs${limit ? `, first ${limit} examples` : ''}`);
  const r = await run({ epochs, limit, channels: [c1, c2] });
  console.log(`test accuracy ${r.testAcc.toFixed(4)} on ${r.testSize} test images after ${epochs} epochs on ${r.trainSize}; ` +
    `wall time ${r.seconds.toFixed(1)} s (${Math.round(r.examplesPerSecond)} train examples/s; step traced ${r.traceCount}x)`);
  console.log(`curves: ${r.plot}`);
}
