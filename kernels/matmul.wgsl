// Batched GEMM C[b] = act(A[b]·B[b] + bias): register-blocked (TM×4·TN4 outputs per thread, vec4 along n),
// two entry points: `gemmDirect` (no workgroup memory: what CPU rasterizers like lavapipe vectorise best)
// and `gemmTiled` (BM×BK and BK×BN tiles staged in workgroup memory, for GPUs).
// Placeholders (double braces) filled by src/targets/webgpu/routines/matmul.ts: ENABLE T AV BV WGX WGY TM TN4 BK
// HAS_BIAS LOADS (loadA4 / loadB4 / storeC4 for the operand layouts) ACT HELPERS DIRECT_ARGS DIRECT_DECL DIRECT_LOOP
// DIRECT_STEP DIRECT_END DIRECT_STORE.
{{ENABLE}}

struct Params {
  m: u32, n: u32, k: u32, batch: u32,
  aBatch: u32, bBatch: u32, cBatch: u32, lda: u32,
  ldb: u32, ldc: u32, tilesX: u32, biasBatch: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<{{AV}}>;
@group(0) @binding(2) var<storage, read> B: array<{{BV}}>;
@group(0) @binding(3) var<storage, read_write> C: array<{{T}}>;
@group(0) @binding(4) var<storage, read> bias: array<{{T}}>;

const WGX = {{WGX}}u;
const WGY = {{WGY}}u;
const TM = {{TM}}u;
const TN4 = {{TN4}}u;
const TN = TN4 * 4u;
const BK = {{BK}}u;
const BM = WGY * TM;
const BN = WGX * TN;
const HAS_BIAS = {{HAS_BIAS}};

{{HELPERS}}

{{LOADS}}

fn biasAt(b: u32, n: u32) -> f32 {
  if (!HAS_BIAS || n >= P.n) { return 0.0; }
  return f32(bias[b * P.biasBatch + n]);
}

// Epilogue on 4 consecutive outputs (row m, columns n..n+3): + bias, activation, store.
fn finish(b: u32, m: u32, n: u32, acc: vec4<f32>) {
  if (m >= P.m || n >= P.n) { return; }
  var v = acc;
  if (HAS_BIAS) { v = v + vec4<f32>(biasAt(b, n), biasAt(b, n + 1u), biasAt(b, n + 2u), biasAt(b, n + 3u)); }
  storeC4(b, m, n, {{ACT}});
}

@compute @workgroup_size(WGX, WGY, 1)
fn gemmDirect(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>{{DIRECT_ARGS}}) {
  let b = wid.z;
  // Row tiles vary fastest (wid.x): consecutive workgroups reuse one strip of B from cache (lavapipe runs them in order).
  let tileY = wid.x;
  let tileX = wid.y;
  let row0 = (tileY * WGY + lid.y) * TM;
  let col0 = (tileX * WGX + lid.x) * TN;
  // (no early return: loads are bounds-checked and `finish` skips outside stores; subgroup ops need uniform flow)
  // Unrolled by matmul.ts (DIRECT_* placeholders): TM×TN4 vec4 accumulators acc_i_j in registers, never a private
  // array (lavapipe lowers dynamically indexed private arrays to per-lane scratch memory).
{{DIRECT_DECL}}
{{DIRECT_LOOP}}
{{DIRECT_STEP}}
{{DIRECT_END}}
{{DIRECT_STORE}}
}

// Workgroup tiles: As[k][m] (scalars, k-major) and Bs[k][n/4] (vec4), refilled every BK steps of k.
var<workgroup> As: array<f32, BK * BM>;
var<workgroup> Bs: array<vec4<f32>, BK * BN / 4u>;

@compute @workgroup_size(WGX, WGY, 1)
fn gemmTiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(local_invocation_index) li: u32) {
  let b = wid.z;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  var acc: array<array<vec4<f32>, TN4>, TM>;
  let nThreads = WGX * WGY;
  for (var k0 = 0u; k0 < P.k; k0 = k0 + BK) {
    // A tile: BM rows × BK/4 vec4 along k.
    for (var e = li; e < BM * BK / 4u; e = e + nThreads) {
      let r = e / (BK / 4u);
      let c = (e % (BK / 4u)) * 4u;
      let v = loadA4(b, m0 + r, k0 + c);
      As[(c + 0u) * BM + r] = v.x;
      As[(c + 1u) * BM + r] = v.y;
      As[(c + 2u) * BM + r] = v.z;
      As[(c + 3u) * BM + r] = v.w;
    }
    // B tile: BK rows × BN/4 vec4 along n.
    for (var e = li; e < BK * BN / 4u; e = e + nThreads) {
      let r = e / (BN / 4u);
      let c = e % (BN / 4u);
      Bs[e] = loadB4(b, k0 + r, n0 + 4u * c);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      var a: array<f32, TM>;
      for (var i = 0u; i < TM; i = i + 1u) { a[i] = As[kk * BM + lid.y + i * WGY]; }
      for (var j = 0u; j < TN4; j = j + 1u) {
        let bv = Bs[kk * (BN / 4u) + lid.x + j * WGX];
        for (var i = 0u; i < TM; i = i + 1u) { acc[i][j] = fma(vec4<f32>(a[i]), bv, acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  // Thread (x, y) owns rows y + i·WGY and vec4 columns x + j·WGX of the tile (strided: conflict-free workgroup reads).
  for (var i = 0u; i < TM; i = i + 1u) {
    for (var j = 0u; j < TN4; j = j + 1u) { finish(b, m0 + lid.y + i * WGY, n0 + 4u * (lid.x + j * WGX), acc[i][j]); }
  }
}
