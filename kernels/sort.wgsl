// Bitonic sort of each row of x [rows, n] (padded to p = 2^⌈log2 n⌉ in scratch keys/idx), with indices:
//   sortInit: keys = x (pads past n), idx = position;  sortStep(j, kk): compare-exchange of i and i + j, ascending
//   when i & kk == 0 (one dispatch per (kk, j), kk = 2, 4, .., p; j = kk/2, .., 1);  sortFinish: rows of the result.
// Order (P.desc = 0): ascending values, NaN last, ties by index (stable); P.desc = 1: descending, NaN first, ties
// by index (lax.top_k). Pads (index >= n) always sort last. P.reverse = 1 writes the result back to front.
// Placeholder (double braces): WG.

struct Params { rows: u32, n: u32, p: u32, j: u32, kk: u32, gridX: u32, desc: u32, k: u32, reverse: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> keys: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<u32>;
@group(0) @binding(4) var<storage, read_write> outV: array<f32>;
@group(0) @binding(5) var<storage, read_write> outI: array<i32>;

const WG = {{WG}}u;

fn isNan(a: f32) -> bool { return (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u; }

// Whether (a, ia) comes strictly before (b, ib) in the requested order.
fn before(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  if (ia >= P.n || ib >= P.n) { return ia < ib; }
  let na = isNan(a);
  let nb = isNan(b);
  if (na != nb) { return select(nb, na, P.desc == 1u); }
  if (!na && a != b) { return select((a < b), (a > b), P.desc == 1u); }
  return ia < ib;
}

fn linear(wid: vec3<u32>, li: u32) -> u32 { return (wid.y * P.gridX + wid.x) * WG + li; }

@compute @workgroup_size(WG)
fn sortInit(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = linear(wid, li);
  if (t >= P.rows * P.p) { return; }
  let row = t / P.p;
  let i = t % P.p;
  keys[t] = select(0.0, x[row * P.n + min(i, P.n - 1u)], i < P.n);
  idx[t] = i;
}

@compute @workgroup_size(WG)
fn sortStep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = linear(wid, li);
  let half = P.p / 2u;
  if (t >= P.rows * half) { return; }
  let row = t / half;
  let u = t % half;
  let i = 2u * P.j * (u / P.j) + (u % P.j);
  let a = row * P.p + i;
  let c = a + P.j;
  let ka = keys[a];
  let kc = keys[c];
  let ia = idx[a];
  let ic = idx[c];
  let up = (i & P.kk) == 0u;
  let swap = select(before(ka, ia, kc, ic), before(kc, ic, ka, ia), up);
  if (swap) {
    keys[a] = kc;
    keys[c] = ka;
    idx[a] = ic;
    idx[c] = ia;
  }
}

@compute @workgroup_size(WG)
fn sortFinish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = linear(wid, li);
  if (t >= P.rows * P.k) { return; }
  let row = t / P.k;
  let i = t % P.k;
  let src = row * P.p + select(i, P.n - 1u - i, P.reverse == 1u);
  outV[t] = keys[src];
  outI[t] = i32(idx[src]);
}
