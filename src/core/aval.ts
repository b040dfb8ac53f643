// Abstract values (ShapedArray: shape + dtype + weak flag) and shape utilities shared by every rule.
import { type DType, shortName } from './dtype.js';

/** The abstract value of an array: what tracing knows about it (JAX's `ShapedArray`). */
export class ShapedArray {
  readonly shape: readonly number[];
  readonly size: number;
  constructor(
    shape: readonly number[],
    readonly dtype: DType,
    readonly weakType: boolean = false,
  ) {
    // copied so a caller's later mutation cannot change the aval (typed readonly; not frozen: hot path)
    this.shape = shape.slice();
    this.size = shapeSize(shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** `f32[3,4]`, with a trailing `~` for weak types, as the jaxpr printer shows it. */
  toString(): string {
    return `${shortName[this.dtype]}[${this.shape.join(',')}]`;
  }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && shapeEqual(this.shape, o.shape);
  }
  withShape(shape: readonly number[]): ShapedArray {
    return new ShapedArray(shape, this.dtype, this.weakType);
  }
  withDType(dtype: DType, weak = false): ShapedArray {
    return new ShapedArray(this.shape, dtype, weak);
  }
  strongType(): ShapedArray {
    return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this;
  }
}

export const shapeSize = (s: readonly number[]): number => {
  let n = 1;
  for (const d of s) n *= d;
  return n;
};

/** Whether two shapes are equal. */
export const shapeEqual = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i]!;
  }
  return st;
}

/** numpy broadcasting of several shapes; throws a message naming `op` and the shapes when incompatible. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = nd - s.length + i;
      const d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new TypeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together ` +
            `(axis ${j - nd} has sizes ${out[j]} and ${d}; sizes must match or be 1)`,
        );
      }
    }
  }
  return out;
}

/** Normalises a possibly negative axis against `ndim`, with an error naming the op. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 0) + (ndim === 0 ? 0 : 0)) {
    throw new RangeError(
      `${op}: axis ${axis} is out of bounds for an array of rank ${ndim} (valid axes are ${ndim === 0 ? 'none' : `${-ndim}..${ndim - 1}`})`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises an axis spec (undefined = all axes) to sorted unique non-negative axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (axes === undefined || axes === null) return [...Array(ndim).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

export const range = (n: number, start = 0): number[] => Array.from({ length: n }, (_, i) => i + start);
