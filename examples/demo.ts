// The main demo (`npm run demo`): a small CNN (conv-pool-conv-pool-dense) trained on Fashion-MNIST with jit(valueAndGrad) + Adam, a progress bar with loss and accuracy, the test accuracy and a loss/accuracy plot at the end.
// Uses the full dataset when installed (apt-get install dataset-fashion-mnist, or FASHION_MNIST_DIR), else the subset embedded in data/.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setThreads } from '../src/index.js';
import { fashionSource, flagOption, intOption, loadFashion, numOption } from './lib/fashion.js';
import { run } from './fashion-cnn.js';

/**
 * What the demo trains by default, about 60 000 training examples in all (35 s on 2 cores, measured):
 * 3 epochs over the first 20 000 training images of the installed dataset, or 5 epochs over the 10 000 of the embedded subset.
 */
export const DEMO_DEFAULTS = { full: { epochs: 3, trainSize: 20_000 }, embedded: { epochs: 5, trainSize: 10_000 }, lr: 2e-3, channels: [16, 32] as const };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --epochs / EPOCHS, --train-size / TRAIN_SIZE, --full / FULL (all training images of the installed dataset), --lr / LR
  const source = fashionSource();
  const dflt = DEMO_DEFAULTS[source.kind];
  const epochs = intOption('epochs', dflt.epochs)!, lr = numOption('lr', DEMO_DEFAULTS.lr);
  const trainSize = flagOption('full', false) ? undefined : intOption('train-size', dflt.trainSize);
  const [c1, c2] = DEMO_DEFAULTS.channels;
  // the wasm target's thread pool: every core, up to 4, unless --threads / THREADS says otherwise (the results are
  // the same bits at any thread count)
  const threads = intOption('threads', Math.min(4, availableParallelism()))!;
  setThreads(threads);
  const ds = loadFashion({ source, trainLimit: trainSize });
  const nTrain = ds.train.labels.shape[0]!, nTest = ds.test.labels.shape[0]!;
  console.log(`tensorlaw demo: a CNN (conv${c1} 3×3 → max-pool → conv${c2} 3×3 → max-pool → dense 128 → dense 10) on Fashion-MNIST`);
  console.log(`data: ${source.description}`);
  console.log(`training on ${nTrain} images for ${epochs} epochs (batch 128, Adam ${lr} with cosine decay, one jit-compiled step, ${threads} thread${threads === 1 ? '' : 's'}), testing on ${nTest}`);
  const r = await run({
    data: ds, epochs, lr, channels: [c1, c2], label: 'demo epoch', outDir: 'out/demo',
    title: `tensorlaw demo: CNN on Fashion-MNIST (${nTrain} train images, ${source.kind === 'full' ? 'installed dataset' : 'embedded subset'})`,
  });
  console.log(`\ntest accuracy: ${r.testAcc.toFixed(4)} on ${r.testSize} test images (${source.kind === 'full' ? 'the full test split' : 'the embedded test subset'}), ` +
    `after ${epochs} epochs on ${r.trainSize} training images in ${r.seconds.toFixed(0)} s (${Math.round(r.examplesPerSecond)} images/s)`);
  console.log(`plot of the loss and accuracy curves: ${r.plot}`);
}
