// Knowledge distillation (Hinton, Vinyals & Dean 2015): temperature-softened KL between teacher and student logits, times T².
import { fmtShape, normalizeAxis } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { divide, exp, greater, multiply, subtract, where } from '../numpy/elementwise.js';
import { zerosLike } from '../numpy/creation.js';
import { logsumexp, mean, sum } from '../numpy/reductions.js';
import { promoteInexact } from '../numpy/util.js';

/** Options of distillationLoss. */
export interface DistillationOptions {
  /** The softmax temperature T (> 0). Default 1. Higher T exposes the teacher's "dark knowledge". */
  readonly temperature?: number;
  /** The class axis. Default -1. */
  readonly axis?: number;
  /** 'mean' (default) over the other (batch) axes, 'sum', or 'none' (one value per example). */
  readonly reduction?: 'mean' | 'sum' | 'none';
}

/**
 * The distillation loss T² · KL(softmax(teacher/T) ‖ softmax(student/T)) = T² Σ_c p_c (log p_c − log q_c),
 * with log-softmax for stability (a class the teacher gives probability 0 adds 0). The T² factor keeps the
 * gradient scale independent of T (Hinton et al. 2015, §2). Mix it with the hard-label loss yourself:
 * α · distillationLoss(s, t, { temperature }) + (1 − α) · nn.categoricalCrossEntropy(s, labels). The
 * teacher's logits are not stopped: wrap them in stopGradient if they come from a model you differentiate.
 * @example
 * const loss = train.distillationLoss(studentLogits, teacherLogits, { temperature: 4 });
 */
export function distillationLoss(studentLogits: Array, teacherLogits: Array, opts: DistillationOptions = {}): Array {
  const op = 'train.distillationLoss';
  const t = opts.temperature ?? 1;
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`${op}: temperature must be a finite number > 0, got ${t}`);
  if (studentLogits.shape.length !== teacherLogits.shape.length || studentLogits.shape.some((d, i) => d !== teacherLogits.shape[i]))
    throw new RangeError(`${op}: student logits ${fmtShape(studentLogits.shape)} and teacher logits ${fmtShape(teacherLogits.shape)} must have the same shape`);
  if (studentLogits.ndim === 0) throw new RangeError(`${op}: logits need a class axis, got a scalar`);
  const [s, tl] = promoteInexact(op, [studentLogits, teacherLogits]) as [Array, Array];
  if (!isFloat(s.dtype)) throw new TypeError(`${op}: logits must be float arrays`);
  const axis = normalizeAxis(op, opts.axis ?? -1, s.ndim);
  const T = lax.scalar(t, s.dtype, true);
  const logSoftmax = (x: Array): Array => {
    const z = divide(x, T);
    return subtract(z, logsumexp(z, axis, { keepdims: true }));
  };
  const logQ = logSoftmax(s);
  const logP = logSoftmax(tl);
  const p = exp(logP);
  // p · (log p − log q) with 0 where p = 0 (masking the difference, not the product, keeps gradients NaN-free)
  const terms = multiply(p, where(greater(p, 0), subtract(logP, logQ), zerosLike(p)));
  const perExample = multiply(sum(terms, axis), lax.scalar(t * t, s.dtype, true));
  switch (opts.reduction ?? 'mean') {
    case 'mean':
      return mean(perExample);
    case 'sum':
      return sum(perExample);
    case 'none':
      return perExample;
    default:
      throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(opts.reduction)}`);
  }
}
