// Reductions of x viewed as [outer, size, inner] to [outer, inner]. Placeholders (double braces): WG (threads,
// a power of two), OP (combine a and b; the identity P.ident comes in the uniforms since ±inf has no WGSL literal), SUBGROUPS (true: subgroup reductions first).
//   reduceRows (inner = 1): workgroup (row, chunk) folds its chunk with a per-thread loop, then a workgroup
//     tree (or subgroup ops + a tree over subgroup results); chunks > 1 leaves partials for a second pass.
//   reduceCols (inner > 1): one thread per output, walking the reduced axis with unit-stride neighbours.
{{ENABLE}}

struct Params { outer: u32, size: u32, inner: u32, chunks: u32, chunkLen: u32, gridX: u32, ident: f32, _p1: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = {{WG}}u;
const SUBGROUPS = {{SUBGROUPS}};

fn isNan(a: f32) -> bool { return (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u; }
fn combine(a: f32, b: f32) -> f32 { return {{OP}}; }

var<workgroup> tree: array<f32, WG>;

@compute @workgroup_size(WG)
fn reduceRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32{{SG_ARGS}}) {
  let g = wid.y * P.gridX + wid.x;           // (row, chunk), folded into 2-D when many
  let live = g < P.outer * P.chunks;
  let row = g / P.chunks;
  let chunk = g % P.chunks;
  var acc = P.ident;
  if (live) {
    let start = chunk * P.chunkLen;
    let end = min(P.size, start + P.chunkLen);
    let base = row * P.size;
    for (var i = start + li; i < end; i = i + WG) { acc = combine(acc, x[base + i]); }
  }
{{TREE}}
  if (li == 0u && live) { y[g] = total; }
}

@compute @workgroup_size(WG)
fn reduceCols(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let o = gid.y * (nw.x * WG) + gid.x;
  if (o >= P.outer * P.inner) { return; }
  let r = o / P.inner;
  let c = o % P.inner;
  var acc = P.ident;
  let base = r * P.size * P.inner + c;
  for (var i = 0u; i < P.size; i = i + 1u) { acc = combine(acc, x[base + i * P.inner]); }
  y[o] = acc;
}
