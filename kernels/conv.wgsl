// 2-D convolution as implicit GEMM: the loadA4 / loadB4 / storeC4 that kernels/matmul.wgsl's GEMM loops call, for
// three problems (batch index b of the GEMM = feature group):
//   fwd: y[n,oh,ow,o]    = Σ_{kh,kw,ci} x[n, ih, iw, ci]·w[kh,kw,ci,o]   rows (n,oh,ow), depth (kh,kw,ci), cols o
//   dx:  dx[n,ih,iw,ci]  = Σ_{kh,kw,o}  dy[n,oh,ow,o]·w[kh,kw,ci,o]      rows (n,ih,iw), depth (kh,kw,o),  cols ci
//   dw:  dw[kh,kw,ci,o]  = Σ_{n,oh,ow}  x[n,ih,iw,ci]·dy[n,oh,ow,o]      rows (kh,kw,ci), depth (n,oh,ow), cols o
// with lhs-dilated input position q = oh·stride - padLo + kh·rhsDilation, ih = q / lhsDilation when divisible
// (lax.conv_general_dilated semantics). Tensors are addressed by element strides, so NHWC/NCHW and HWIO/OIHW
// layouts are all served. Placeholders (double braces): MODE (fwd | dx | dw), T, LOADB4, B_AT, STORE (the f32 -> T
// store: empty for f32, h16_ for f16).

struct ConvP {
  xs: vec4<u32>,   // strides of x / dx:  n, h, w, c
  ws: vec4<u32>,   // strides of w / dw:  kh, kw, i, o
  ys: vec4<u32>,   // strides of y / dy:  n, h, w, c
  n: u32, h: i32, w: i32, cg: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  og: u32, sh: i32, sw: i32, ph: i32,
  pw: i32, dh: i32, dw: i32, lh: i32,
  lw: i32, _p0: u32, _p1: u32, _p2: u32,
}
@group(0) @binding(5) var<uniform> Q: ConvP;

// a / d for a < 2^24 through f32 division, corrected by one step: CPU rasterizers execute u32 division lane by lane
// (x86 has no SIMD integer division), f32 division is one vector instruction.
fn qdiv(a: u32, d: u32) -> u32 {
  if (a >= 16777216u) { return a / d; }
  var q = u32(f32(a) / f32(d));
  if (q * d > a) { q = q - 1u; }
  if ((q + 1u) * d <= a) { q = q + 1u; }
  return q;
}

// Element i of B (bound as scalars, or as vec4 when matmul.ts reads a dense HWIO filter by rows).
fn bAt(i: u32) -> f32 { return {{B_AT}}; }

// Input row/column of output position o and tap k, or -1 when the tap falls on padding or a dilation hole.
fn inPos(o: u32, k: u32, s: i32, p: i32, d: i32, l: i32, size: i32) -> i32 {
  let q = i32(o) * s - p + i32(k) * d;
  if (q < 0) { return -1; }
  var i = q;
  if (l != 1) {
    if (q % l != 0) { return -1; }
    i = q / l;
  }
  if (i >= size) { return -1; }
  return i;
}

// fwd: A = x (rows (n,oh,ow), depth (kh,kw,ci)), B = w, C = y.
fn fwdA(g: u32, m: u32, k: u32) -> f32 {
  if (m >= P.m || k >= P.k) { return 0.0; }
  let t = qdiv(m, Q.ow); let ow = m - t * Q.ow; let n = qdiv(t, Q.oh); let oh = t - n * Q.oh;
  let t2 = qdiv(k, Q.cg); let ci = k - t2 * Q.cg; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  let ih = inPos(oh, kh, Q.sh, Q.ph, Q.dh, Q.lh, Q.h);
  let iw = inPos(ow, kw, Q.sw, Q.pw, Q.dw, Q.lw, Q.w);
  if (ih < 0 || iw < 0) { return 0.0; }
  return f32(A[n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + (g * Q.cg + ci) * Q.xs.w]);
}
fn fwdB(g: u32, k: u32, j: u32) -> f32 {
  if (k >= P.k || j >= P.n) { return 0.0; }
  let t2 = qdiv(k, Q.cg); let ci = k - t2 * Q.cg; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  return bAt(kh * Q.ws.x + kw * Q.ws.y + ci * Q.ws.z + (g * Q.og + j) * Q.ws.w);
}
fn fwdC(g: u32, m: u32, j: u32) -> u32 {
  let t = qdiv(m, Q.ow); let ow = m - t * Q.ow; let n = qdiv(t, Q.oh); let oh = t - n * Q.oh;
  return n * Q.ys.x + oh * Q.ys.y + ow * Q.ys.z + (g * Q.og + j) * Q.ys.w;
}

// dx: A = dy (rows (n,ih,iw), depth (kh,kw,o)), B = w, C = dx.
fn dxA(g: u32, m: u32, k: u32) -> f32 {
  if (m >= P.m || k >= P.k) { return 0.0; }
  let t = qdiv(m, u32(Q.w)); let iw = m - t * u32(Q.w); let n = qdiv(t, u32(Q.h)); let ih = t - n * u32(Q.h);
  let t2 = qdiv(k, Q.og); let o = k - t2 * Q.og; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  // oh·sh = ih·lh + ph - kh·dh must be a non-negative multiple of sh below oh.
  let qh = i32(ih) * Q.lh + Q.ph - i32(kh) * Q.dh;
  let qw = i32(iw) * Q.lw + Q.pw - i32(kw) * Q.dw;
  if (qh < 0 || qw < 0 || qh % Q.sh != 0 || qw % Q.sw != 0) { return 0.0; }
  let oh = u32(qh / Q.sh); let ow = u32(qw / Q.sw);
  if (oh >= Q.oh || ow >= Q.ow) { return 0.0; }
  return f32(A[n * Q.ys.x + oh * Q.ys.y + ow * Q.ys.z + (g * Q.og + o) * Q.ys.w]);
}
fn dxB(g: u32, k: u32, ci: u32) -> f32 {
  if (k >= P.k || ci >= P.n) { return 0.0; }
  let t2 = qdiv(k, Q.og); let o = k - t2 * Q.og; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  return bAt(kh * Q.ws.x + kw * Q.ws.y + ci * Q.ws.z + (g * Q.og + o) * Q.ws.w);
}
fn dxC(g: u32, m: u32, ci: u32) -> u32 {
  let t = qdiv(m, u32(Q.w)); let iw = m - t * u32(Q.w); let n = qdiv(t, u32(Q.h)); let ih = t - n * u32(Q.h);
  return n * Q.xs.x + ih * Q.xs.y + iw * Q.xs.z + (g * Q.cg + ci) * Q.xs.w;
}

// dw: A = x (rows (kh,kw,ci), depth (n,oh,ow)), B = dy, C = dw.
fn dwA(g: u32, m: u32, k: u32) -> f32 {
  if (m >= P.m || k >= P.k) { return 0.0; }
  let t = qdiv(m, Q.cg); let ci = m - t * Q.cg; let kh = qdiv(t, Q.kw); let kw = t - kh * Q.kw;
  let t2 = qdiv(k, Q.ow); let ow = k - t2 * Q.ow; let n = qdiv(t2, Q.oh); let oh = t2 - n * Q.oh;
  let ih = inPos(oh, kh, Q.sh, Q.ph, Q.dh, Q.lh, Q.h);
  let iw = inPos(ow, kw, Q.sw, Q.pw, Q.dw, Q.lw, Q.w);
  if (ih < 0 || iw < 0) { return 0.0; }
  return f32(A[n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + (g * Q.cg + ci) * Q.xs.w]);
}
fn dwB(g: u32, k: u32, j: u32) -> f32 {
  if (k >= P.k || j >= P.n) { return 0.0; }
  let t2 = qdiv(k, Q.ow); let ow = k - t2 * Q.ow; let n = qdiv(t2, Q.oh); let oh = t2 - n * Q.oh;
  return bAt(n * Q.ys.x + oh * Q.ys.y + ow * Q.ys.z + (g * Q.og + j) * Q.ys.w);
}
fn dwC(g: u32, m: u32, j: u32) -> u32 {
  let t = qdiv(m, Q.cg); let ci = m - t * Q.cg; let kh = qdiv(t, Q.kw); let kw = t - kh * Q.kw;
  return kh * Q.ws.x + kw * Q.ws.y + ci * Q.ws.z + (g * Q.og + j) * Q.ws.w;
}

// fwd A, 4 taps at once: when cg % 4 == 0 the taps k..k+3 share (kh, kw) and have channels ci..ci+3, so the position is
// decoded once (integer division does not vectorise on CPUs).
fn fwdA4(g: u32, m: u32, k: u32) -> vec4<f32> {
  if (Q.cg % 4u != 0u) { return vec4<f32>(fwdA(g, m, k), fwdA(g, m, k + 1u), fwdA(g, m, k + 2u), fwdA(g, m, k + 3u)); }
  if (m >= P.m || k >= P.k) { return vec4<f32>(0.0); }
  let t = qdiv(m, Q.ow); let ow = m - t * Q.ow; let n = qdiv(t, Q.oh); let oh = t - n * Q.oh;
  let t2 = qdiv(k, Q.cg); let ci = k - t2 * Q.cg; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  let ih = inPos(oh, kh, Q.sh, Q.ph, Q.dh, Q.lh, Q.h);
  let iw = inPos(ow, kw, Q.sw, Q.pw, Q.dw, Q.lw, Q.w);
  if (ih < 0 || iw < 0) { return vec4<f32>(0.0); }
  let o = n * Q.xs.x + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z + (g * Q.cg + ci) * Q.xs.w;
  return vec4<f32>(f32(A[o]), f32(A[o + Q.xs.w]), f32(A[o + 2u * Q.xs.w]), f32(A[o + 3u * Q.xs.w]));
}
fn dxA4(g: u32, m: u32, k: u32) -> vec4<f32> { return vec4<f32>(dxA(g, m, k), dxA(g, m, k + 1u), dxA(g, m, k + 2u), dxA(g, m, k + 3u)); }
fn dwA4(g: u32, m: u32, k: u32) -> vec4<f32> { return vec4<f32>(dwA(g, m, k), dwA(g, m, k + 1u), dwA(g, m, k + 2u), dwA(g, m, k + 3u)); }

fn loadA4(b: u32, m: u32, k: u32) -> vec4<f32> { return {{MODE}}A4(b, m, k); }

// A row of the GEMM decoded once, before the depth loop (gemmDirect's row hoisting, matmul.ts): for fwd the offset of
// image n (and group g) and the top-left input position oh·s − p, ow·s − p of output pixel m; the other modes keep m.
struct ARow { m: u32, base: u32, qh: i32, qw: i32 }
fn fwdRow(g: u32, m: u32) -> ARow {
  let t = qdiv(m, Q.ow); let ow = m - t * Q.ow; let n = qdiv(t, Q.oh); let oh = t - n * Q.oh;
  return ARow(m, n * Q.xs.x + g * Q.cg * Q.xs.w, i32(oh) * Q.sh - Q.ph, i32(ow) * Q.sw - Q.pw);
}
// The input offset of row r's pixel under tap (kh, kw), or −1 on padding or past the last row.
fn tapOffset(r: ARow, kh: u32, kw: u32) -> i32 {
  let ih = r.qh + i32(kh) * Q.dh;
  let iw = r.qw + i32(kw) * Q.dw;
  if (r.m >= P.m || ih < 0 || iw < 0 || ih >= Q.h || iw >= Q.w) { return -1; }
  return i32(r.base + u32(ih) * Q.xs.y + u32(iw) * Q.xs.z);
}
// The offset of row r's element at depth k = (kh·kw_size + kw)·cg + ci, or −1.
fn depthOffset(r: ARow, k: u32) -> i32 {
  if (k >= P.k) { return -1; }
  let t2 = qdiv(k, Q.cg); let ci = k - t2 * Q.cg; let kh = qdiv(t2, Q.kw); let kw = t2 - kh * Q.kw;
  let o = tapOffset(r, kh, kw);
  if (o < 0) { return -1; }
  return o + i32(ci * Q.xs.w);
}
// The element at (tap (kh, kw), channel ci) of a decoded row, 0 on padding or past the depth.
fn tapAt(r: ARow, kh: u32, kw: u32, ci: u32) -> f32 {
  if (kh >= Q.kh) { return 0.0; }
  let o = tapOffset(r, kh, kw);
  if (o < 0) { return 0.0; }
  return f32(A[u32(o) + ci * Q.xs.w]);
}
// The depth after (kh, kw, ci): the next channel, else the next tap.
fn nextDepth(d: vec3<u32>) -> vec3<u32> {
  if (d.z + 1u < Q.cg) { return vec3<u32>(d.x, d.y, d.z + 1u); }
  if (d.y + 1u < Q.kw) { return vec3<u32>(d.x, d.y + 1u, 0u); }
  return vec3<u32>(d.x + 1u, 0u, 0u);
}
// Depths k..k+3 when cg is not a multiple of 4 (a first layer's 1 or 3 channels): (kh, kw, ci) decoded once for k.
fn fwdA4rSteps(r: ARow, k: u32) -> vec4<f32> {
  let t2 = qdiv(k, Q.cg); let kh = qdiv(t2, Q.kw);
  let d0 = vec3<u32>(kh, t2 - kh * Q.kw, k - t2 * Q.cg);
  let d1 = nextDepth(d0); let d2 = nextDepth(d1); let d3 = nextDepth(d2);
  return vec4<f32>(tapAt(r, d0.x, d0.y, d0.z), tapAt(r, d1.x, d1.y, d1.z), tapAt(r, d2.x, d2.y, d2.z), tapAt(r, d3.x, d3.y, d3.z));
}
// fwdA4 from a decoded row: only the tap (kh, kw, ci) is decoded per step (channels ci..ci+3 when cg % 4 == 0).
fn fwdA4r(g: u32, r: ARow, k: u32) -> vec4<f32> {
  if (Q.lh != 1 || Q.lw != 1) { return fwdA4(g, r.m, k); }
  if (Q.cg % 4u != 0u) { return fwdA4rSteps(r, k); }
  let o = depthOffset(r, k);
  if (o < 0) { return vec4<f32>(0.0); }
  let i = u32(o);
  return vec4<f32>(f32(A[i]), f32(A[i + Q.xs.w]), f32(A[i + 2u * Q.xs.w]), f32(A[i + 3u * Q.xs.w]));
}
// The tap loop (fwd with cg % 4 == 0 and no lhs dilation; matmul.ts's `tap` form): depth k = tap·cg + c, with
// tap = kh·kw_size + kw. tapRow gives row r's input offset for a tap once per tap (−1 on padding), loadA4t the 4
// channels c..c+3 there: a clamped load and a select, no branch and no index decode in the depth loop.
fn taps() -> u32 { return Q.kh * Q.kw; }
fn tapDepth() -> u32 { return Q.cg; }
fn tapRow(r: ARow, tap: u32) -> i32 {
  let kh = tap / Q.kw;
  return tapOffset(r, kh, tap - kh * Q.kw);
}
fn loadA4t(o: i32, c: u32) -> vec4<f32> {
  let i = u32(max(o, 0)) + c * Q.xs.w;
  let v = vec4<f32>(f32(A[i]), f32(A[i + Q.xs.w]), f32(A[i + 2u * Q.xs.w]), f32(A[i + 3u * Q.xs.w]));
  return select(vec4<f32>(0.0), v, o >= 0);
}
fn dxRow(g: u32, m: u32) -> ARow { return ARow(m, 0u, 0, 0); }
fn dxA4r(g: u32, r: ARow, k: u32) -> vec4<f32> { return dxA4(g, r.m, k); }
fn dwRow(g: u32, m: u32) -> ARow { return ARow(m, 0u, 0, 0); }
fn dwA4r(g: u32, r: ARow, k: u32) -> vec4<f32> { return dwA4(g, r.m, k); }
fn rowA(b: u32, m: u32) -> ARow { return {{MODE}}Row(b, m); }
fn loadA4r(b: u32, r: ARow, k: u32) -> vec4<f32> { return {{MODE}}A4r(b, r, k); }
// loadB4: the generic gather below, or (fwd with dense HWIO filters, a plain k×cout matrix) matmul.ts's row loader.
{{LOADB4}}
// The element stride between the outputs of neighbouring columns (output channels; dx's input channels).
fn fwdCStride() -> u32 { return Q.ys.w; }
fn dxCStride() -> u32 { return Q.xs.w; }
fn dwCStride() -> u32 { return Q.ws.w; }
// Columns n..n+3 of row m: the row decoded once (integer division runs lane by lane on CPU rasterizers).
fn storeC4(b: u32, m: u32, n: u32, v: vec4<f32>) {
  let o = {{MODE}}C(b, m, n);
  let s = {{MODE}}CStride();
  C[o] = {{STORE}}(v.x);
  if (n + 1u < P.n) { C[o + s] = {{STORE}}(v.y); }
  if (n + 2u < P.n) { C[o + 2u * s] = {{STORE}}(v.z); }
  if (n + 3u < P.n) { C[o + 3u * s] = {{STORE}}(v.w); }
}
