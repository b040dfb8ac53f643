// The webgpu target: registration, initialisation (`await initWebGpu()`), eager implementations over the GPU ops.
import type { ShapedArray } from '../../core/aval.js';
import { ConcreteArray, registerDeviceHigherOrderEval } from '../../core/array.js';
import type { TypedArray } from '../../core/dtype.js';
import { implRules, type FirstOrderPrim } from '../../rules/impl.js';
import type { ImplRule } from '../../rules/types.js';
import { getTarget, registerTarget, setTarget } from '../../targets/registry.js';
import { type DeviceBuffer } from '../../core/array.js';
import { type WebGpuOptions, deviceAcquired, inBatch, initDevice, storageOf, wgslType } from './device.js';
import { type GpuImpl, gpuImpls, missingOnGpu } from './ops.js';
import { evalHigherOrderGpu, runJaxprGpu } from './run.js';

/**
 * Eager implementation of a primitive on webgpu. Operations whose operands are all host arrays and whose outputs
 * are scalars run on the reference implementation (so folded constants and scalar arithmetic stay readable, e.g.
 * as jaxpr literals); a primitive without a GPU kernel runs on the reference only when its operands are on the host,
 * and otherwise raises a clear error.
 */
function eager<P extends FirstOrderPrim>(prim: P): ImplRule<P> {
  const gpuRule = gpuImpls[prim] as GpuImpl<never>;
  const ref = implRules[prim] as unknown as (a: unknown[], p: unknown, o: ShapedArray[]) => TypedArray[];
  return ((args: ConcreteArray[], params: unknown, outAvals: ShapedArray[]): (TypedArray | DeviceBuffer)[] => {
    const host = args.every((a) => a.isHost);
    if (host && (missingOnGpu.has(prim) || outAvals.every((o) => o.size <= 1))) return ref(args, params, outAvals);
    for (const a of [...args.map((x) => x.aval), ...outAvals]) wgslType(a.dtype, prim);
    const ins = args.map((a) => ({ st: storageOf(a, prim), aval: a.aval }));
    return inBatch((b) => gpuRule(b, ins, params as never, outAvals));
  }) as unknown as ImplRule<P>;
}

const impl = Object.fromEntries(Object.keys(gpuImpls).map((p) => [p, eager(p as FirstOrderPrim)])) as { [P in FirstOrderPrim]: ImplRule<P> };

// available once a device was acquired (after a loss too, so that operations raise the clear device-loss error)
const webgpuTarget = {
  name: 'webgpu',
  impl,
  available: deviceAcquired,
  unavailableReason: () => 'call (and await) `initWebGpu()` first: device acquisition is asynchronous',
  runJaxpr: runJaxprGpu,
};

// registered now (so setTarget('webgpu') before init explains what to do); with TENSORLAW_TARGET=webgpu it
// becomes the current target when initWebGpu() registers it again with a device
registerTarget(webgpuTarget);

registerDeviceHigherOrderEval((prim, args, params) => {
  if (getTarget() !== 'webgpu' || prim === 'pjit' || prim === 'customLin') return null;
  if (prim !== 'scan' && prim !== 'cond' && !args.some((a) => a instanceof ConcreteArray && !a.isHost)) return null;
  return evalHigherOrderGpu(prim, args, params);
});

/**
 * Acquires a GPU device for the webgpu target: `navigator.gpu` in browsers, the optional `webgpu` package in Node
 * (`npm install webgpu`; on Linux without a GPU, Mesa's lavapipe). Call (and await) once before
 * `setTarget('webgpu')`; after a device loss, call it again to re-initialise. With TENSORLAW_TARGET=webgpu the
 * target becomes the current one here.
 * @example
 * await initWebGpu();
 * setTarget('webgpu');
 * const y = jit(f)(x);
 * console.log(await y.data()); // readback is asynchronous on webgpu
 */
export async function initWebGpu(opts: WebGpuOptions = {}): Promise<void> {
  await initDevice(opts);
  registerTarget(webgpuTarget);
}

/**
 * `setTarget` for targets that need asynchronous initialisation: `await setTargetAsync('webgpu')` acquires the
 * device first; other names behave as `setTarget`.
 */
export async function setTargetAsync(name: string): Promise<void> {
  if (name === 'webgpu') await initWebGpu();
  setTarget(name);
}

export { WebGpuError, webgpuInfo, destroyDevice, type WebGpuOptions } from './device.js';
