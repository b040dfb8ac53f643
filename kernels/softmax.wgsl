// Softmax / log-softmax along rows of x [rows, n] in one dispatch, one workgroup per row: each thread folds its
// strided elements into an online (max m, sum s = Σ exp(x - m)) pair, pairs merge up a workgroup tree with
// (m, s) ⊕ (m', s') = (M, s·e^(m-M) + s'·e^(m'-M)), then y = exp(x - m)/s (or x - m - log s).
// Placeholders (double braces): WG, LOG (true: log-softmax).

struct Params { rows: u32, n: u32, gridX: u32, _p: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = {{WG}}u;
const LOG = {{LOG}};
const NEG_INF = -3.4028234663852886e38; // -FLT_MAX: WGSL has no infinite literal; exp(x - NEG_INF) still underflows to 0

var<workgroup> tm: array<f32, WG>;
var<workgroup> ts: array<f32, WG>;

// Merge of two online-softmax states; an empty state has m = -inf, s = 0 (guarded: -inf - -inf is NaN).
fn merge(m1: f32, s1: f32, m2: f32, s2: f32) -> vec2<f32> {
  let m = max(m1, m2);
  if (m == NEG_INF) { return vec2<f32>(m, 0.0); }
  return vec2<f32>(m, s1 * exp(m1 - m) + s2 * exp(m2 - m));
}

@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wid.y * P.gridX + wid.x;
  let live = row < P.rows;
  let base = row * P.n;
  var m = NEG_INF;
  var s = 0.0;
  if (live) {
    for (var i = li; i < P.n; i = i + WG) {
      let r = merge(m, s, x[base + i], 1.0);
      m = r.x;
      s = r.y;
    }
  }
  tm[li] = m;
  ts[li] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) {
      let r = merge(tm[li], ts[li], tm[li + half], ts[li + half]);
      tm[li] = r.x;
      ts[li] = r.y;
    }
    workgroupBarrier();
  }
  let mm = tm[0];
  let ss = ts[0];
  if (!live) { return; }
  let inv = 1.0 / ss;
  let lse = mm + log(ss);
  for (var i = li; i < P.n; i = i + WG) {
    let v = x[base + i];
    if (LOG) { y[base + i] = v - lse; } else { y[base + i] = exp(v - mm) * inv; }
  }
}
