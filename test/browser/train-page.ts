// A browser page's program: trains a small MLP on a 3-class spiral with jit(valueAndGrad) + Adam on the chosen target.
import { np, random, jit, valueAndGrad, nn, optim, setTarget, getTarget, availableTargets, type Array } from '../../src/index.js';
import * as lib from '../../src/index.js';

type Params = { w: Array; b: Array }[];

function spiral(key: Array, nPerClass: number): [Array, Array] {
  const xs: Array[] = [], ys: Array[] = [];
  for (let c = 0; c < 3; c++) {
    const t = np.linspace(0, 1, nPerClass);
    const theta = t.mul(4).add(c * 4).add(random.normal(random.foldIn(key, c), [nPerClass]).mul(0.2));
    xs.push(np.stack([t.mul(np.sin(theta)), t.mul(np.cos(theta))], 1));
    ys.push(np.full([nPerClass], c, 'int32'));
  }
  return [np.concatenate(xs, 0), np.concatenate(ys, 0)];
}

const mlp = (params: Params, x: Array): Array =>
  params.reduce((h, { w, b }, i) => {
    const z = h.matmul(w).add(b);
    return i < params.length - 1 ? np.maximum(z, 0) : z;
  }, x);

/** Trains for `steps` full-batch steps on `target` ('wasm', 'ref' or 'webgpu'); returns losses and accuracy. */
export async function main({ target = 'wasm', steps = 150 }: { target?: string; steps?: number }): Promise<unknown> {
  if (target === 'webgpu') {
    const init = (lib as unknown as { initWebGpu?: () => Promise<unknown> }).initWebGpu;
    if (!init) throw new Error('this build has no WebGPU target');
    await init();
  }
  setTarget(target);
  const key = random.key(0);
  const [x, y] = spiral(random.foldIn(key, 1), 100);
  const sizes = [2, 64, 64, 3];
  let params: Params = sizes.slice(1).map((n, i) => ({
    w: random.normal(random.foldIn(key, 10 + i), [sizes[i]!, n]).mul(Math.sqrt(2 / sizes[i]!)),
    b: np.zeros([n]),
  }));
  const opt = optim.adam(0.01);
  let state = opt.init(params);
  const loss = (p: Params): Array => nn.categoricalCrossEntropy(mlp(p, x), y);
  const step = jit((p: Params, s: typeof state) => {
    const [l, g] = valueAndGrad(loss)(p);
    const [updates, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), s2, l] as const;
  });
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const [p2, s2, l] = step(params, state);
    params = p2 as Params;
    state = s2;
    if (i % 25 === 0 || i === steps - 1) losses.push((await l.data())[0]!);
  }
  const ms = performance.now() - t0;
  const pred = np.argmax(mlp(params, x), -1);
  const acc = (await np.mean(np.equal(pred, y).astype('float32')).data())[0]!;
  const g = globalThis as { navigator?: { userAgent: string; gpu?: unknown }; crossOriginIsolated?: boolean };
  return {
    target: getTarget(),
    available: availableTargets(),
    losses,
    accuracy: acc,
    msPerStep: ms / steps,
    traces: step.traceCount,
    userAgent: g.navigator?.userAgent,
    webgpu: !!g.navigator?.gpu,
    crossOriginIsolated: g.crossOriginIsolated,
  };
}
