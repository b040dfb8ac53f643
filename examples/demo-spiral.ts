// The spiral demo (`npm run demo:spiral`): trains an MLP on a generated 3-class spiral with jit(valueAndGrad) and a hand-written Adam, in a few seconds.
import { np, random, jit, valueAndGrad, tree, type Array } from '../src/index.js';

type Params = { w: Array; b: Array }[];

/** Three interleaved spirals (CS231n's classic toy problem): not linearly separable. */
function spiral(key: Array, nPerClass: number, classes: number): [Array, Array] {
  const xs: Array[] = [];
  const ys: Array[] = [];
  const keys = random.split(key, classes);
  for (let c = 0; c < classes; c++) {
    const t = np.linspace(0, 1, nPerClass);
    const noise = random.normal(keys.get(c), [nPerClass]).mul(0.2);
    const theta = t.mul(4).add(c * 4).add(noise);
    xs.push(np.stack([t.mul(np.sin(theta)), t.mul(np.cos(theta))], 1));
    ys.push(np.full([nPerClass], c, 'int32'));
  }
  return [np.concatenate(xs, 0), np.concatenate(ys, 0)];
}

function initMlp(key: Array, sizes: number[]): Params {
  const keys = random.split(key, sizes.length - 1);
  return sizes.slice(1).map((n, i) => ({
    w: random.normal(keys.get(i), [sizes[i]!, n]).mul(Math.sqrt(2 / sizes[i]!)),
    b: np.zeros([n]),
  }));
}

function mlp(params: Params, x: Array): Array {
  let h = x;
  params.forEach(({ w, b }, i) => {
    h = h.matmul(w).add(b);
    if (i < params.length - 1) h = np.maximum(h, 0);
  });
  return h;
}

function loss(params: Params, x: Array, y: Array): Array {
  const logits = mlp(params, x);
  const oneHot = np.equal(y.reshape([-1, 1]), np.arange(3)).astype('float32');
  return np.logsumexp(logits, -1).sub(logits.mul(oneHot).sum(-1)).mean();
}

const accuracy = (params: Params, x: Array, y: Array): number =>
  Number(np.mean(np.equal(np.argmax(mlp(params, x), -1), y).astype('float32')).item());

// Adam as a pure (init, update) pair over the params pytree
const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
type AdamState = { m: Params; v: Params; t: Array };
const adamInit = (p: Params): AdamState => ({ m: tree.map(np.zerosLike, p), v: tree.map(np.zerosLike, p), t: np.zeros([]) });

const trainStep = jit((params: Params, state: AdamState, x: Array, y: Array) => {
  const [l, g] = valueAndGrad(loss)(params, x, y);
  const t = state.t.add(1);
  const m = tree.map((mi: Array, gi: Array) => mi.mul(b1).add(gi.mul(1 - b1)), state.m, g) as Params;
  const v = tree.map((vi: Array, gi: Array) => vi.mul(b2).add(gi.mul(gi).mul(1 - b2)), state.v, g) as Params;
  const c1 = np.subtract(1, np.power(b1, t)), c2 = np.subtract(1, np.power(b2, t));
  const next = tree.map(
    (p: Array, mi: Array, vi: Array) => p.sub(mi.div(c1).mul(lr).div(np.sqrt(vi.div(c2)).add(eps))),
    params, m, v,
  ) as Params;
  return [next, { m, v, t }, l] as const;
});

const key = random.key(0);
const [kData, kTest, kInit, kShuffle] = [0, 1, 2, 3].map((i) => random.foldIn(key, i)) as [Array, Array, Array, Array];
const [xTrain, yTrain] = spiral(kData, 300, 3);
const [xTest, yTest] = spiral(kTest, 100, 3);
let params = initMlp(kInit, [2, 64, 64, 3]);
let state = adamInit(params);
const epochs = Number(process.env.EPOCHS ?? 40), batch = 64, n = xTrain.shape[0]!;
console.log(`tensorlaw demo: MLP 2-64-64-3 on a 3-class spiral (${n} train / ${xTest.shape[0]} test points), Adam, jit`);
const t0 = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const perm = random.permutation(random.foldIn(kShuffle, epoch), n);
  let total = 0, steps = 0;
  for (let s = 0; s + batch <= n; s += batch) {
    const idx = perm.get(`${s}:${s + batch}`);
    const [p, st, l] = trainStep(params, state, np.take(xTrain, idx, 0), np.take(yTrain, idx, 0));
    params = p;
    state = st;
    total += Number(l.item());
    steps++;
  }
  console.log(
      `epoch ${String(epoch).padStart(3)}/${epochs}  loss ${(total / steps).toFixed(4)}  train acc ${accuracy(params, xTrain, yTrain).toFixed(3)}  ` +
      `test acc ${accuracy(params, xTest, yTest).toFixed(3)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
console.log(`final test accuracy: ${accuracy(params, xTest, yTest).toFixed(3)} (jit traced ${trainStep.traceCount}x)`);
