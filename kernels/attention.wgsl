// Fused scaled-dot-product attention, out = softmax(q·kᵀ·scale [+ causal mask]) · v, in one pass over the keys
// per query (flash-attention's online softmax): running max m, running sum l, accumulator acc, and for each key
//   m' = max(m, s), acc = acc·e^(m-m') + e^(s-m')·v, l = l·e^(m-m') + e^(s-m').
// q [B, Lq, D], k [B, Lk, D], v [B, Lk, DV], out [B, Lq, DV] (row-major; B = batch·heads). Query i sees key j when
// !causal or j <= i + causalOffset. A query that sees no key outputs zeros.
//   attnDirect: each thread streams keys from storage (CPU rasterizers: no barriers).
//   attnTiled:  the workgroup stages TK keys and values at a time in workgroup memory (GPUs).
// Placeholders (double braces): WG, D, DV, TK.

struct Params { batch: u32, lq: u32, lk: u32, scale: f32, causal: u32, causalOffset: i32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG = {{WG}}u;
const D = {{D}}u;
const DV = {{DV}}u;
const TK = {{TK}}u;
const NEG_INF = -3.4028234663852886e38; // -FLT_MAX: WGSL has no infinite literal; exp(x - NEG_INF) still underflows to 0

// Keys [0, end) visible to query i.
fn keyEnd(i: u32) -> u32 {
  if (P.causal == 0u) { return P.lk; }
  return u32(clamp(i32(i) + P.causalOffset + 1, 0, i32(P.lk)));
}

@compute @workgroup_size(WG)
fn attnDirect(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let b = wid.y;
  let i = wid.x * WG + li;
  if (i >= P.lq) { return; }
  var qr: array<f32, D>;
  let qb = (b * P.lq + i) * D;
  for (var d = 0u; d < D; d = d + 1u) { qr[d] = q[qb + d] * P.scale; }
  var acc: array<f32, DV>;
  var m = NEG_INF;
  var l = 0.0;
  let end = keyEnd(i);
  for (var j = 0u; j < end; j = j + 1u) {
    let kb = (b * P.lk + j) * D;
    var s = 0.0;
    for (var d = 0u; d < D; d = d + 1u) { s = fma(qr[d], k[kb + d], s); }
    let mNew = max(m, s);
    let corr = exp(m - mNew);
    let p = exp(s - mNew);
    l = l * corr + p;
    let vb = (b * P.lk + j) * DV;
    for (var d = 0u; d < DV; d = d + 1u) { acc[d] = fma(p, v[vb + d], acc[d] * corr); }
    m = mNew;
  }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  let ob = (b * P.lq + i) * DV;
  for (var d = 0u; d < DV; d = d + 1u) { out[ob + d] = acc[d] * inv; }
}

var<workgroup> kt: array<f32, TK * D>;
var<workgroup> vt: array<f32, TK * DV>;

@compute @workgroup_size(WG)
fn attnTiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let b = wid.y;
  let i = wid.x * WG + li;
  let live = i < P.lq;
  var qr: array<f32, D>;
  let qb = (b * P.lq + min(i, P.lq - 1u)) * D;
  for (var d = 0u; d < D; d = d + 1u) { qr[d] = q[qb + d] * P.scale; }
  var acc: array<f32, DV>;
  var m = NEG_INF;
  var l = 0.0;
  let end = select(0u, keyEnd(i), live);
  // Keys any query of this workgroup sees (uniform across the workgroup, as barriers need).
  let wgEnd = keyEnd(min(wid.x * WG + WG, P.lq) - 1u);
  for (var j0 = 0u; j0 < wgEnd; j0 = j0 + TK) {
    for (var e = li; e < TK * D; e = e + WG) {
      let j = j0 + e / D;
      kt[e] = select(0.0, k[(b * P.lk + j) * D + e % D], j < P.lk);
    }
    for (var e = li; e < TK * DV; e = e + WG) {
      let j = j0 + e / DV;
      vt[e] = select(0.0, v[(b * P.lk + j) * DV + e % DV], j < P.lk);
    }
    workgroupBarrier();
    let tEnd = min(TK, select(0u, end - j0, end > j0));
    for (var t = 0u; t < tEnd; t = t + 1u) {
      var s = 0.0;
      for (var d = 0u; d < D; d = d + 1u) { s = fma(qr[d], kt[t * D + d], s); }
      let mNew = max(m, s);
      let corr = exp(m - mNew);
      let p = exp(s - mNew);
      l = l * corr + p;
      for (var d = 0u; d < DV; d = d + 1u) { acc[d] = fma(p, vt[t * DV + d], acc[d] * corr); }
      m = mNew;
    }
    workgroupBarrier();
  }
  if (!live) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  let ob = (b * P.lq + i) * DV;
  for (var d = 0u; d < DV; d = d + 1u) { out[ob + d] = acc[d] * inv; }
}
