// Layer normalisation along rows of x [rows, n] in one dispatch, one workgroup per row: per-thread Welford
// (count, mean, M2), merged up a workgroup tree by Chan et al.'s rule
//   n = na + nb, δ = μb - μa, μ = μa + δ·nb/n, M2 = M2a + M2b + δ²·na·nb/n,
// then y = (x - μ)·rsqrt(M2/n + eps)·γ + β; stats[row] = (μ, rstd) for the backward pass.
// Placeholders (double braces): WG, HAS_GAMMA, HAS_BETA, HAS_STATS.

struct Params { rows: u32, n: u32, gridX: u32, eps: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

const WG = {{WG}}u;
const HAS_GAMMA = {{HAS_GAMMA}};
const HAS_BETA = {{HAS_BETA}};
const HAS_STATS = {{HAS_STATS}};

var<workgroup> tc: array<f32, WG>;
var<workgroup> tmu: array<f32, WG>;
var<workgroup> tm2: array<f32, WG>;

fn merge(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
  let n = a.x + b.x;
  if (n == 0.0) { return vec3<f32>(0.0); }
  let d = b.y - a.y;
  return vec3<f32>(n, a.y + d * b.x / n, a.z + b.z + d * d * a.x * b.x / n);
}

@compute @workgroup_size(WG)
fn layerNorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wid.y * P.gridX + wid.x;
  let live = row < P.rows;
  let base = row * P.n;
  var st = vec3<f32>(0.0);
  if (live) {
    for (var i = li; i < P.n; i = i + WG) {
      // Welford step: count + 1, mean += δ/count, M2 += δ·(x - new mean)
      let v = x[base + i];
      let c = st.x + 1.0;
      let d = v - st.y;
      let mu = st.y + d / c;
      st = vec3<f32>(c, mu, st.z + d * (v - mu));
    }
  }
  tc[li] = st.x;
  tmu[li] = st.y;
  tm2[li] = st.z;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) {
      let r = merge(vec3<f32>(tc[li], tmu[li], tm2[li]), vec3<f32>(tc[li + half], tmu[li + half], tm2[li + half]));
      tc[li] = r.x;
      tmu[li] = r.y;
      tm2[li] = r.z;
    }
    workgroupBarrier();
  }
  let mean = tmu[0];
  let rstd = inverseSqrt(max(tm2[0], 0.0) / f32(P.n) + P.eps);
  if (!live) { return; }
  if (HAS_STATS && li == 0u) {
    stats[2u * row] = mean;
    stats[2u * row + 1u] = rstd;
  }
  for (var i = li; i < P.n; i = i + WG) {
    var v = (x[base + i] - mean) * rstd;
    if (HAS_GAMMA) { v = v * gamma[i]; }
    if (HAS_BETA) { v = v + beta[i]; }
    y[base + i] = v;
  }
}
