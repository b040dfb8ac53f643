// Winograd F(m×m, r×r) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016) for
// stride-1, undilated, ungrouped r×r convolutions: three kernels around a batched GEMM (matmul.wgsl):
//   wgFilter: U[ξ, c, o] = (G g Gᵀ)[ξ]       for the r×r filter g of (c, o)                     ξ < α² (α = m + r − 1)
//   wgInput:  V[ξ, p, c] = (Bᵀ d Bᵀᵀ)[ξ]      for the α×α input patch d of tile p = (n, th, tw), channel c
//   (GEMM)    M[ξ] = V[ξ] · U[ξ]               α² products of [P, C]·[C, O]
//   wgOutput: y[n, th·m + i, tw·m + j, o] = act((Aᵀ M[·, p, o] A)[i, j] + bias[o])
// The window form F(r×r, 2×2) (Winograd's dual of F(2×2, r×r): Bᵀ the same, G' = A, A'ᵀ = Gᵀ) serves convolutions with an
// r×r output and a large window, such as filter gradients: the window is cut into 2×2 tiles q = (c, a, b) and
//   wgInput:  V[ξ, n, q] as above, with the roles of images and channels swapped (the images are the GEMM's rows)
//   wgDy:     U[ξ, q, o] = (G' w G'ᵀ)[ξ]      for the 2×2 window tile w of (q, o)
//   (GEMM)    M[ξ] = V[ξ] · U[ξ]               α² products of [N, Q]·[Q, O], Q = c·⌈kh/2⌉·⌈kw/2⌉ long
//   wgWindowOutput: y[n, ·, ·, o] = (A'ᵀ M[·, n, o] A')
// The transforms are unrolled by routines/winograd.ts from the matrices (zero coefficients dropped). Tensors are
// addressed by element strides in (n, h, w, c) / (kh, kw, i, o) order, so any layout and transposed views are served.
// Placeholders (double braces): WG (threads per workgroup), M, R, CF, FILTER, INPUT, OUTPUT, DY, WOUTPUT (the unrolled transforms),
// ACT1 (the activation of vec4(v), for the direct sum), HELPERS (activation helper functions).

struct WP {
  xs: vec4<u32>,   // strides of x: n, h, w, c
  ws: vec4<u32>,   // strides of the filter: kh, kw, i, o
  ys: vec4<u32>,   // strides of y: n, h, w, c
  n: u32, h: i32, w: i32, c: u32,       // n: the images of this dispatch (from n0)
  oh: u32, ow: u32, th: u32, tw: u32,   // output size; tiles per image along h and w
  o: u32, ph: i32, pw: i32, gridX: u32, // output channels; low padding; workgroups along x
  hasBias: u32, n0: u32, kh: u32, kw: u32, // kh, kw: the window of the window form
}
@group(0) @binding(0) var<uniform> Q: WP;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const WG = {{WG}}u;
// CF (channels fastest): threads and the scratch matrices run channels fastest (V [ξ, P, C], U [ξ, C, O], M [ξ, P, O]),
// for channels-last activations; else tiles fastest (V [ξ, C, P], U [ξ, O, C], M [ξ, O, P]), so that neighbouring
// threads read neighbouring pixels of a channels-first image.
const CF = {{CF}};
{{HELPERS}}

fn index(wid: vec3<u32>, lid: u32) -> u32 { return (wid.y * Q.gridX + wid.x) * WG + lid; }

// Thread i of a transform over (tile, channel) pairs with `ch` channels, in the thread order CF: (channel, image, first
// output row of the tile, first output column of the tile).
fn tileOf(i: u32, ch: u32) -> vec4<u32> {
  let P = Q.n * Q.th * Q.tw;
  let c = select(i / P, i % ch, CF); let p = select(i % P, i / ch, CF);
  let tw = p % Q.tw; let t = p / Q.tw; let th = t % Q.th;
  return vec4<u32>(c, Q.n0 + t / Q.th, th * {{M}}u, tw * {{M}}u);
}

// One thread per (c, o): the α×α transformed filter, written at ξ·C·O + i.
@compute @workgroup_size(WG)
fn wgFilter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, lid);
  let co = Q.c * Q.o;
  if (i >= co) { return; }
  let o = select(i / Q.c, i % Q.o, CF); let c = select(i % Q.c, i / Q.o, CF);
  let base = c * Q.ws.z + o * Q.ws.w;
{{FILTER}}
}

// Input element (ih, iw) of image n, channel c, or 0 outside the image (padding).
fn xAt(n: u32, ih: i32, iw: i32, c: u32) -> f32 {
  if (ih < 0 || iw < 0 || ih >= Q.h || iw >= Q.w) { return 0.0; }
  return src[n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + c * Q.xs.w];
}

// One thread per (tile p, channel c): the α×α transformed input patch, written at ξ·P·C + i.
@compute @workgroup_size(WG)
fn wgInput(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, lid);
  let P = Q.n * Q.th * Q.tw;
  if (i >= P * Q.c) { return; }
  let g = tileOf(i, Q.c);
  let c = g.x; let n = g.y;
  let ih = i32(g.z) - Q.ph; let iw = i32(g.w) - Q.pw;
  let pc = P * Q.c;
{{INPUT}}
}

@group(0) @binding(3) var<storage, read> bias: array<f32>;

fn yPut(n: u32, oh: u32, ow: u32, o: u32, v: f32) {
  if (oh < Q.oh && ow < Q.ow) { dst[n * Q.ys.x + oh * Q.ys.y + ow * Q.ys.z + o * Q.ys.w] = v; }
}

@group(0) @binding(4) var<storage, read> xin: array<f32>;
@group(0) @binding(5) var<storage, read> filt: array<f32>;

// The tile's outputs summed directly from x and the filter (padding as 0·w, as lax.conv_general_dilated): for a tile
// whose products are not all finite (an inf or NaN in its input patch or in the filter), where the transforms would
// spread the non-finite values over the whole tile; the direct sum puts them only where they belong.
fn direct(n: u32, oh: u32, ow: u32, o: u32, b: f32) {
  for (var r = 0u; r < {{M}}u; r++) {
    for (var s = 0u; s < {{M}}u; s++) {
      if (oh + r >= Q.oh || ow + s >= Q.ow) { continue; }
      var acc = 0.0;
      for (var c = 0u; c < Q.c; c++) {
        for (var kh = 0u; kh < {{R}}u; kh++) {
          for (var kw = 0u; kw < {{R}}u; kw++) {
            let ih = i32(oh + r + kh) - Q.ph; let iw = i32(ow + s + kw) - Q.pw;
            var xv = 0.0;
            if (ih >= 0 && iw >= 0 && ih < Q.h && iw < Q.w) { xv = xin[n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + c * Q.xs.w]; }
            acc = acc + xv * filt[kh * Q.ws.x + kw * Q.ws.y + c * Q.ws.z + o * Q.ws.w];
          }
        }
      }
      let v = acc + b;
      yPut(n, oh + r, ow + s, o, {{ACT1}}.x);
    }
  }
}

// max of the exponent bits of the products: 0x7f800000 when one of them is inf or NaN (bit tests, which no fast-math
// assumption about finite values can fold away)
fn expBits(v: f32) -> u32 { return bitcast<u32>(v) & 0x7f800000u; }

// One thread per (tile p, output channel o): the m×m outputs of the tile, bias and activation applied.
@compute @workgroup_size(WG)
fn wgOutput(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, lid);
  let P = Q.n * Q.th * Q.tw;
  if (i >= P * Q.o) { return; }
  let g = tileOf(i, Q.o);
  let o = g.x; let n = g.y; let oh = g.z; let ow = g.w;
  let po = P * Q.o;
  let b = select(0.0, bias[min(o, arrayLength(&bias) - 1u)], Q.hasBias != 0u);
{{OUTPUT}}
}

// Window form: one thread per (window tile q = (c, a, b), output channel o): the α×α transform of the 2×2 window tile
// at (2a, 2b) of channel c (zero beyond the window), written at ξ·Q·O + q·O + o.
@compute @workgroup_size(WG)
fn wgDy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, lid);
  let nq = Q.c * Q.th * Q.tw;
  if (i >= nq * Q.o) { return; }
  let o = i % Q.o; let q = i / Q.o;
  let b = q % Q.tw; let t = q / Q.tw; let a = t % Q.th; let c = t / Q.th;
  let u0 = a * 2u; let v0 = b * 2u;
  let qo = nq * Q.o;
{{DY}}
}

fn wAt(u: u32, v: u32, c: u32, o: u32) -> f32 {
  if (u >= Q.kh || v >= Q.kw) { return 0.0; }
  return src[u * Q.ws.x + v * Q.ws.y + c * Q.ws.z + o * Q.ws.w];
}

// The window form's outputs of (n, o) summed directly (its products are not all finite).
fn directWindow(n: u32, o: u32) {
  for (var r = 0u; r < Q.oh; r++) {
    for (var s = 0u; s < Q.ow; s++) {
      var acc = 0.0;
      for (var c = 0u; c < Q.c; c++) {
        for (var kh = 0u; kh < Q.kh; kh++) {
          for (var kw = 0u; kw < Q.kw; kw++) {
            let ih = i32(r + kh) - Q.ph; let iw = i32(s + kw) - Q.pw;
            var xv = 0.0;
            if (ih >= 0 && iw >= 0 && ih < Q.h && iw < Q.w) { xv = xin[n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + c * Q.xs.w]; }
            acc = acc + xv * filt[kh * Q.ws.x + kw * Q.ws.y + c * Q.ws.z + o * Q.ws.w];
          }
        }
      }
      yPut(n, r, s, o, acc);
    }
  }
}

// Window form: one thread per (image n, output channel o): the r×r outputs from the α² products M[ξ, n, o].
@compute @workgroup_size(WG)
fn wgWindowOutput(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, lid);
  if (i >= Q.n * Q.o) { return; }
  let no = Q.n * Q.o;
  let o = i % Q.o; let n = i / Q.o;
{{WOUTPUT}}
}
