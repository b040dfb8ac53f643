// Imports leaf modules before the package entry (spawned by imports.test.ts): no module cycle may bite.
import * as lax from '../../src/lax/prims.js';
import { scan } from '../../src/transforms/controlFlow.js';
import { grad, jit, np } from '../../src/index.js';

const x = lax.scalar(0.5, 'float32');
const [total] = scan((c: ReturnType<typeof lax.add>, v: ReturnType<typeof lax.add>) => [lax.add(c, v), null], lax.scalar(0, 'float32'), np.arange(4).astype('float32'));
console.log(JSON.stringify([lax.sin(x).item(), jit(grad((a: typeof x) => lax.sin(a)))(x).item(), total.item()]));
