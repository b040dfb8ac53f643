// The float64 reference of the Winograd convolution tests (WebGPU and wasm): a stride-1 r×r correlation (r = kh = kw) and the error scale of each output.
import type { Epilogue } from '../src/targets/webgpu/routines/common.js';
import { type Conv2dShape, conv2dOutShape } from '../src/targets/webgpu/routines/conv.js';

export interface Case extends Conv2dShape { readonly withBias?: boolean; readonly epilogue?: Epilogue }
const acts: Partial<Record<Epilogue, (x: number) => number>> = { none: (x) => x, relu: (x) => Math.max(x, 0), tanh: Math.tanh };

/** Element strides in (n, h, w, c) order of an activation in a layout. */
const strides = (layout: 'NHWC' | 'NCHW', h: number, w: number, c: number): number[] => (layout === 'NHWC' ? [h * w * c, w * c, c, 1] : [c * h * w, w, 1, h * w]);

/**
 * Float64 correlation y at y's strides (yStrides, else the layout's), and the scale its error is measured against:
 * Σ|x|·|w| + |bias| maximised over the output's m×m Winograd tile (the tile's outputs share one transformed patch, so
 * rounding there reaches all of them; outputs past the edge count too, as the tile computes them).
 */
export function reference(c: Case, x: Float32Array, w: Float32Array, bias: Float32Array, m: number): { y: Float64Array; scale: Float64Array } {
  const [oh, ow] = conv2dOutShape(c);
  const layout = c.layout ?? 'NHWC';
  const xs = c.xStrides ?? strides(layout, c.h, c.w, c.cin), ys = c.yStrides ?? strides(layout, oh, ow, c.cout);
  const r = c.kh;
  const ws = c.wStrides ?? ((c.filterLayout ?? 'HWIO') === 'HWIO' ? [r * c.cin * c.cout, c.cin * c.cout, c.cout, 1] : [r, 1, r * r, r * r * c.cin]);
  const [pt, pl] = [c.padding![0][0], c.padding![1][0]];
  const th = Math.ceil(oh / m), tw = Math.ceil(ow / m);
  const y = new Float64Array(c.n * oh * ow * c.cout), scale = new Float64Array(y.length);
  for (let n = 0; n < c.n; n++) for (let o = 0; o < c.cout; o++) for (let ti = 0; ti < th; ti++) for (let tj = 0; tj < tw; tj++) {
    let tile = 0;
    for (const pass of [0, 1]) for (let i = ti * m; i < (ti + 1) * m; i++) for (let j = tj * m; j < (tj + 1) * m; j++) {
      let s = c.withBias ? bias[o]! : 0, a = Math.abs(s);
      for (let kh = 0; kh < r; kh++) for (let kw = 0; kw < r; kw++) {
        const ih = i - pt + kh, iw = j - pl + kw;
        if (ih < 0 || iw < 0 || ih >= c.h || iw >= c.w) {
          for (let ci = 0; ci < c.cin; ci++) s += 0 * w[kh * ws[0]! + kw * ws[1]! + ci * ws[2]! + o * ws[3]!]!; // padding: 0·w (NaN for w = ±inf)
          continue;
        }
        for (let ci = 0; ci < c.cin; ci++) {
          const p = x[n * xs[0]! + ih * xs[1]! + iw * xs[2]! + ci * xs[3]!]! * w[kh * ws[0]! + kw * ws[1]! + ci * ws[2]! + o * ws[3]!]!;
          s += p;
          if (Number.isFinite(p)) a += Math.abs(p);
        }
      }
      if (pass === 0) tile = Math.max(tile, a);
      else if (i < oh && j < ow) {
        const at = n * ys[0]! + i * ys[1]! + j * ys[2]! + o * ys[3]!;
        y[at] = acts[c.epilogue ?? 'none']!(s);
        scale[at] = tile;
      }
    }
  }
  return { y, scale };
}

/** max |got − ref| / (scale + 1e-30): the error relative to the sums' magnitude, which bounds any summation order's. */
export function scaledError(got: Float32Array, ref: { y: Float64Array; scale: Float64Array }): number {
  let e = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(ref.y[i]!)) {
      if (!Object.is(got[i], ref.y[i])) return Infinity; // inf and NaN exactly where the direct sum has them
      continue;
    }
    const v = Math.abs(got[i]! - ref.y[i]!) / (ref.scale[i]! + 1e-30);
    if (!(v <= e)) e = Number.isNaN(v) ? Infinity : v;
  }
  return e;
}

