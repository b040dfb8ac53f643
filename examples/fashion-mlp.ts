// Fashion-MNIST MLP (`npm run example:fashion-mlp`): 784-256-128-10 with dropout, jit(valueAndGrad) + Adam; prints the test accuracy and writes out/fashion-mlp/curves.svg.
import { pathToFileURL } from 'node:url';
import { nn } from '../src/index.js';
import { fitFashionMnist, envInt, type FitOptions, type FitResult } from './lib/fashion.js';
import { writeCurves } from './lib/plot.js';

/** The model: two hidden ReLU layers with dropout 0.2 (the benchmark table's MLP class, 0.883 published). */
export const mlp = (): nn.Layer =>
  nn.sequential(nn.flatten(), nn.dense(256), nn.relu, nn.dropout(0.2), nn.dense(128), nn.relu, nn.dropout(0.2), nn.dense(10));

export type RunOptions = Partial<Pick<FitOptions, 'epochs' | 'limit' | 'batchSize' | 'lr' | 'stream' | 'log'>> & { readonly outDir?: string };

/** Trains the MLP on Fashion-MNIST and writes its curves; returns the fit and the plot's path. */
export async function run(opts: RunOptions = {}): Promise<FitResult & { plot: string }> {
  const epochs = opts.epochs ?? 20;
  const res = fitFashionMnist({
    model: mlp(), inputShape: [-1, 28, 28], epochs, limit: opts.limit, batchSize: opts.batchSize ?? 128, lr: opts.lr ?? 1e-3, cosine: true,
    label: 'mlp epoch', ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  const plot = await writeCurves(`${opts.outDir ?? 'out/fashion-mlp'}/curves.svg`, res.history, 'Fashion-MNIST MLP 784-256-128-10 (tensorlaw)');
  return { ...res, plot };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const epochs = envInt('EPOCHS', 20)!, limit = envInt('LIMIT', undefined);
  console.log(`Fashion-MNIST MLP 784-256-128-10 (dropout 0.2), Adam 1e-3 with cosine decay, batch 128, ${epochs} epochs${limit ? `, first ${limit} examples` : ''}`);
  const r = await run({ epochs, limit });
  console.log(`test accuracy ${r.testAcc.toFixed(4)} on ${r.testSize} test images after ${epochs} epochs on ${r.trainSize}; ` +
    `wall time ${r.seconds.toFixed(1)} s (${Math.round(r.examplesPerSecond)} train examples/s; step traced ${r.traceCount}x)`);
  console.log(`curves: ${r.plot}`);
}
