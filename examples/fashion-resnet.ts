// Fashion-MNIST ResNet (`npm run example:fashion-resnet`): conv-batchNorm stem + residual basic blocks (batchNorm, projection shortcut), train/eval modes, Adam or SGD-momentum with warmup + cosine decay, optional shift/flip augmentation; writes out/fashion-resnet/curves.svg.
import { pathToFileURL } from 'node:url';
import { nn, optim } from '../src/index.js';
import { fitFashionMnist, flagOption, intOption, numOption, type FitOptions, type FitResult } from './lib/fashion.js';
import { writeCurves } from './lib/plot.js';

/**
 * The model (NHWC): conv 3×3 (c) → batchNorm → ReLU → max-pool 2 (14×14) → basicBlock(c) → basicBlock(2c, stride 2)
 * (7×7, projection shortcut) → flatten → dropout → dense(10). Each basic block is torchvision's:
 * relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)).
 */
export const resnet = (c = 32, dropout = 0.3): nn.Layer =>
  nn.sequential(
    nn.conv2d(c, 3, { padding: 'SAME', useBias: false }), nn.batchNorm(), nn.relu, nn.maxPool(2), // [N, 28, 28, 1] -> [N, 14, 14, c]
    nn.basicBlock(c), // identity shortcut
    nn.basicBlock(2 * c, { strides: 2 }), // -> [N, 7, 7, 2c], 1×1 conv + batchNorm shortcut
    nn.flatten(), nn.dropout(dropout), nn.dense(10),
  );

export type RunOptions = Partial<Pick<FitOptions, 'epochs' | 'limit' | 'trainLimit' | 'data' | 'batchSize' | 'lr' | 'augment' | 'stream' | 'log' | 'warmupEpochs' | 'labelSmoothing' | 'flipTta'>> & {
  readonly outDir?: string;
  readonly channels?: number;
  /** 'adam' (default) or 'sgd' (momentum 0.9, Nesterov, weight decay 5e-4). */
  readonly optimizer?: 'adam' | 'sgd';
};

/** Trains the ResNet on Fashion-MNIST and writes its curves; returns the fit and the plot's path. */
export async function run(opts: RunOptions = {}): Promise<FitResult & { plot: string }> {
  const epochs = opts.epochs ?? 8, c = opts.channels ?? 32, sgd = opts.optimizer === 'sgd';
  const res = fitFashionMnist({
    model: resnet(c), inputShape: [-1, 28, 28, 1], epochs, limit: opts.limit, trainLimit: opts.trainLimit, batchSize: opts.batchSize ?? 128,
    lr: opts.lr ?? (sgd ? 0.05 : 2e-3), cosine: true, warmupEpochs: opts.warmupEpochs ?? (epochs > 1 ? 0.5 : 0), augment: opts.augment ?? false,
    labelSmoothing: opts.labelSmoothing ?? 0, flipTta: opts.flipTta ?? false,
    optimizer: sgd ? (lr) => optim.sgd(lr, { momentum: 0.9, nesterov: true, weightDecay: 5e-4 }) : (lr) => optim.adam(lr),
    label: 'resnet epoch', ...(opts.data ? { data: opts.data } : {}), ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  const plot = await writeCurves(`${opts.outDir ?? 'out/fashion-resnet'}/curves.svg`, res.history, `Fashion-MNIST ResNet (stem ${c}, blocks ${c}/${2 * c}, batchNorm) (tensorlaw)`);
  return { ...res, plot };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --epochs / EPOCHS, --limit / LIMIT, --channels / CHANNELS, --lr / LR, --sgd / SGD, --augment / AUGMENT,
  // --label-smoothing / LABEL_SMOOTHING, --flip-tta / FLIP_TTA
  const epochs = intOption('epochs', 8)!, limit = intOption('limit', undefined), c = intOption('channels', 32)!;
  const optimizer = flagOption('sgd', false) ? 'sgd' : 'adam', augment = flagOption('augment', false);
  const labelSmoothing = numOption('label-smoothing', 0), flipTta = flagOption('flip-tta', false);
  const lr = numOption('lr', optimizer === 'sgd' ? 0.05 : 2e-3);
  console.log(`Fashion-MNIST ResNet: stem conv${c}+BN, basicBlock(${c}), basicBlock(${2 * c}, stride 2), dropout 0.3, dense(10); ` +
    `${optimizer === 'sgd' ? 'SGD Nesterov momentum 0.9, weight decay 5e-4' : 'Adam'} lr ${lr} (warmup 0.5 epoch + cosine decay), batch 128, ${epochs} epochs` +
    `${augment ? ', shift ±2 px + horizontal flip augmentation' : ''}${labelSmoothing ? `, label smoothing ${labelSmoothing}` : ''}${flipTta ? ', flip-TTA evaluation too' : ''}${limit ? `, first ${limit} examples` : ''}`);
  const r = await run({ epochs, limit, channels: c, optimizer, lr, augment, labelSmoothing, flipTta, log: (s) => console.log(s) });
  console.log(`test accuracy ${r.testAcc.toFixed(4)} on ${r.testSize} test images after ${epochs} epochs on ${r.trainSize} (best ${r.bestAcc.toFixed(4)} at epoch ${r.bestEpoch}); ` +
    `wall time ${r.seconds.toFixed(1)} s (${Math.round(r.examplesPerSecond)} train examples/s; step traced ${r.traceCount}x)`);
  console.log(`curves: ${r.plot}`);
}
