// encodeMatmul: batched C = act(op(A)·op(B) + bias) on storage buffers, from kernels/matmul.wgsl (tiles from the adapter's limits).
/// <reference types="@webgpu/types" />
import {
  type ElemType, type Epilogue, type PassOrEncoder, type RoutineContext, type TileConfig,
  activation, activationHelpers, bindGroup, cpuLike, instantiate, memoized, pipeline, storeAs, uniforms, withPass,
} from './common.js';

export interface MatmulArgs {
  /** A: batch × (m×k, or k×m when transA), row-major. */
  readonly a: GPUBuffer;
  /** B: batch × (k×n, or n×k when transB), row-major. */
  readonly b: GPUBuffer;
  /** C: batch × m×n, row-major (leading dimension ldc, default n). */
  readonly out: GPUBuffer;
  /** Optional bias added along n (length n, or batch×n with biasBatchStride = n). */
  readonly bias?: GPUBuffer;
  readonly batch?: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  /** Elements between consecutive batch matrices of A/B (0 broadcasts one matrix); default: the dense size. */
  readonly aBatchStride?: number;
  readonly bBatchStride?: number;
  readonly cBatchStride?: number;
  readonly biasBatchStride?: number;
  /** Leading dimensions (row strides) in elements; default dense. */
  readonly lda?: number;
  readonly ldb?: number;
  readonly ldc?: number;
  readonly epilogue?: Epilogue;
  /** Storage element type of a, b, out and bias (accumulation is f32). */
  readonly dtype?: ElemType;
}

/** The default tiling for this device: register blocks without workgroup memory on CPU rasterizers; 128×128×BK tiles on GPUs, shrunk to the limits. */
export function matmulTiles(ctx: RoutineContext, m = 1024, n = 1024): TileConfig & { kind: 'direct' | 'tiled' } {
  const lim = ctx.device.limits;
  const cpu = cpuLike(ctx);
  let t: TileConfig;
  // CPU rasterizers: one row of 8 threads (a subgroup on lavapipe) sharing 16 rows of A by subgroupBroadcast, each
  // thread owning 16×4 outputs: on an AVX-512 host (32 vector registers) 1.1–1.4× faster than 8 rows on W1, W4, W6
  // and W7 (docs/performance.md, "Tenth session"); 32 rows helped only the large square product. On a host known to
  // lack AVX-512 (ctx.wideHost false) 8 rows, which the sixth session measured faster there (fewer spills).
  if (cpu) t = { wgX: 8, wgY: 1, tm: ctx.wideHost === false ? 8 : 16, tn: 4, bk: 4 };
  else {
    const inv = Math.min(lim.maxComputeInvocationsPerWorkgroup, 256);
    const wgX = Math.min(16, lim.maxComputeWorkgroupSizeX);
    const wgY = Math.max(1, Math.min(16, Math.floor(inv / wgX), lim.maxComputeWorkgroupSizeY));
    const small = m * n <= 256 * 256;
    t = small ? { wgX, wgY, tm: 4, tn: 4, bk: 16 } : { wgX, wgY, tm: 8, tn: 8, bk: 16 };
  }
  t = { ...t, ...ctx.tiles };
  // BK: the deepest multiple of 4 (≤ requested) whose A and B tiles fit in workgroup storage.
  const bm = t.wgY * t.tm, bn = t.wgX * t.tn;
  const fit = Math.floor(lim.maxComputeWorkgroupStorageSize / ((bm + bn) * 4) / 4) * 4;
  if (fit < 4) throw new Error(`wgsl matmul: tile ${bm}×${bn} needs ${(bm + bn) * 16} bytes of workgroup storage (limit ${lim.maxComputeWorkgroupStorageSize})`);
  if (t.wgX * t.wgY > lim.maxComputeInvocationsPerWorkgroup) throw new Error(`wgsl matmul: workgroup ${t.wgX}×${t.wgY} exceeds maxComputeInvocationsPerWorkgroup ${lim.maxComputeInvocationsPerWorkgroup}`);
  if (t.tn % 4 !== 0) throw new Error(`wgsl matmul: tn must be a multiple of 4 (vec4 columns), got ${t.tn}`);
  const kind = ctx.tiles?.bk === 0 || (cpu && ctx.tiles?.bk === undefined) ? 'direct' : 'tiled';
  return { ...t, bk: Math.max(4, Math.min(t.bk || 4, fit)), kind };
}

/**
 * WGSL of loadB4(b, k, n) = B[b][k, n..n+3] (zero outside) for a row-major (or transposed) B with P.ldb / P.bBatch.
 * B bound as vec4 and transposed also gets loadBT4(b, n, k) = B[b][k..k+3, n], one vector load of a stored row.
 */
export function loadBText(bVec: boolean, transB: boolean): string {
  if (bVec && !transB)
    return `fn loadB4(b: u32, k: u32, n: u32) -> vec4<f32> {
  if (k >= P.k || n >= P.n) { return vec4<f32>(0.0); }
  return vec4<f32>(B[(b * P.bBatch + k * P.ldb + n) / 4u]);
}`;
  const scalar = `fn ldB(b: u32, k: u32, n: u32) -> f32 {
  if (k >= P.k || n >= P.n) { return 0.0; }
  let i = b * P.bBatch + ${transB ? 'n * P.ldb + k' : 'k * P.ldb + n'};
  return ${bVec ? 'f32(B[i / 4u][i % 4u])' : 'f32(B[i])'};
}
fn loadB4(b: u32, k: u32, n: u32) -> vec4<f32> { return vec4<f32>(ldB(b, k, n), ldB(b, k, n + 1u), ldB(b, k, n + 2u), ldB(b, k, n + 3u)); }`;
  return bVec
    ? `${scalar}
fn loadBT4(b: u32, n: u32, k: u32) -> vec4<f32> {
  if (k >= P.k || n >= P.n) { return vec4<f32>(0.0); }
  return vec4<f32>(B[(b * P.bBatch + n * P.ldb + k) / 4u]);
}`
    : scalar;
}

/** WGSL of loadA4(b, m, k) = A[b][m, k..k+3], loadB4(b, k, n) = B[b][k, n..n+3] and storeC4 for the layouts given; zero outside.
 * A transposed operand bound as vec4 (aVec with transA, bVec with transB) also gets loadAT4(b, k, m) = A[b][m..m+3, k] and
 * loadBT4(b, n, k) = B[b][k..k+3, n]: one vector load of the stored row, which gemmDirect transposes in registers. */
function loads(T: ElemType, aVec: boolean, bVec: boolean, transA: boolean, transB: boolean): string {
  return memoized(loadsMemo, `${T}${+aVec}${+bVec}${+transA}${+transB}`, () => loadsText(T, aVec, bVec, transA, transB));
}
/** loads() by its arguments: the same string object each time, so gemmCode's memo finds it by its cached hash. */
const loadsMemo = new Map<string, string>();
function loadsText(T: ElemType, aVec: boolean, bVec: boolean, transA: boolean, transB: boolean): string {
  const z = 'vec4<f32>(0.0)';
  const a = aVec && !transA
    ? `fn loadA4(b: u32, m: u32, k: u32) -> vec4<f32> {
  if (m >= P.m || k >= P.k) { return ${z}; }
  return vec4<f32>(A[(b * P.aBatch + m * P.lda + k) / 4u]);
}`
    : `fn ldA(b: u32, m: u32, k: u32) -> f32 {
  if (m >= P.m || k >= P.k) { return 0.0; }
  let i = b * P.aBatch + ${transA ? 'k * P.lda + m' : 'm * P.lda + k'};
  return ${aVec ? 'f32(A[i / 4u][i % 4u])' : 'f32(A[i])'};
}
fn loadA4(b: u32, m: u32, k: u32) -> vec4<f32> { return vec4<f32>(ldA(b, m, k), ldA(b, m, k + 1u), ldA(b, m, k + 2u), ldA(b, m, k + 3u)); }${
        aVec
          ? `
fn loadAT4(b: u32, k: u32, m: u32) -> vec4<f32> {
  if (m >= P.m || k >= P.k) { return ${z}; }
  return vec4<f32>(A[(b * P.aBatch + k * P.lda + m) / 4u]);
}`
          : ''
      }`;
  const bb = loadBText(bVec, transB);
  // f16 outputs are narrowed exactly (h16_: integer rounding), not by WGSL's implementation-defined f16(x)
  const st = storeAs(T);
  const c = `fn storeC4(b: u32, m: u32, n: u32, v: vec4<f32>) {
  let o = b * P.cBatch + m * P.ldc + n;
  C[o] = ${st.fn}(v.x);
  if (n + 1u < P.n) { C[o + 1u] = ${st.fn}(v.y); }
  if (n + 2u < P.n) { C[o + 2u] = ${st.fn}(v.z); }
  if (n + 3u < P.n) { C[o + 3u] = ${st.fn}(v.w); }
}`;
  return `${st.source}\n${a}\n${bb}\n${c}`;
}

let dummies = new WeakMap<GPUDevice, GPUBuffer>();
/** A 16-byte storage buffer bound where an optional operand (bias) is absent. */
export function dummyBuffer(ctx: RoutineContext): GPUBuffer {
  let d = dummies.get(ctx.device);
  if (!d) dummies.set(ctx.device, (d = ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE })));
  return d;
}
export function resetDummies(): void {
  dummies = new WeakMap();
}

/** The WGSL source and entry point encodeMatmul would use (exposed for tests and the bench). */
export function matmulShader(ctx: RoutineContext, args: MatmulArgs): { code: string; entry: string; tiles: ReturnType<typeof matmulTiles> } {
  const { m, n, k } = args;
  const transA = args.transA ?? false, transB = args.transB ?? false;
  const lda = args.lda ?? (transA ? m : k), ldb = args.ldb ?? (transB ? k : n);
  const aBatch = args.aBatchStride ?? m * k, bBatch = args.bBatchStride ?? k * n;
  const T = args.dtype ?? 'f32';
  // A transposed operand is read by vec4 along its stored rows and transposed in registers (gemmDirect only).
  const t = matmulTiles(ctx, m, n);
  const direct = t.kind === 'direct';
  const aVec = (transA ? direct && m % 4 === 0 && t.tm % 4 === 0 : k % 4 === 0) && lda % 4 === 0 && aBatch % 4 === 0;
  const bVec = (transB ? direct && k % 4 === 0 : n % 4 === 0) && ldb % 4 === 0 && bBatch % 4 === 0;
  const code = gemmCode(ctx, {
    T, aVec, bVec, hasBias: !!args.bias, epilogue: args.epilogue ?? 'none', loads: loads(T, aVec, bVec, transA, transB), m, n,
    aT: transA && aVec, bT: transB && bVec,
  });
  return code;
}

/** How gemmDirect walks A (see directBody): transposed operands read by rows, hoisted row decode, the tap loop. */
export interface DirectForm {
  readonly aT?: boolean;
  readonly bT?: boolean;
  readonly rowHoist?: boolean;
  readonly tap?: boolean;
}

/** kernels/matmul.wgsl instantiated with the given operand access functions (loadA4/loadB4/storeC4): shared by matmul and conv. */
export function gemmCode(
  ctx: RoutineContext,
  o: { T: ElemType; aVec: boolean; bVec: boolean; hasBias: boolean; epilogue: Epilogue; loads: string; m: number; n: number } & DirectForm,
): { code: string; entry: string; tiles: ReturnType<typeof matmulTiles> } {
  const tiles = matmulTiles(ctx, o.m, o.n);
  const sg = tiles.kind === 'direct' ? broadcastWidth(ctx, tiles) : 0;
  // generated once per device and form: a jitted step asks for the same sources on every call (by `loads`, whose
  // callers hand the same string object each time, then by the small parameters)
  const byLoads = memoized(memoized(gemmMemo, ctx.device, () => new Map()), o.loads, () => new Map());
  const key = `${o.T}|${+o.aVec}${+o.bVec}${+o.hasBias}|${o.epilogue}|${tiles.wgX},${tiles.wgY},${tiles.tm},${tiles.tn},${tiles.bk},${tiles.kind}|${sg}|${+!!o.aT}${+!!o.bT}${+!!o.rowHoist}${+!!o.tap}`;
  return memoized(byLoads, key, () => gemmCodeText(o, tiles, sg));
}
const gemmMemo = new WeakMap<GPUDevice, Map<string, Map<string, { code: string; entry: string; tiles: ReturnType<typeof matmulTiles> }>>>();

function gemmCodeText(
  o: { T: ElemType; aVec: boolean; bVec: boolean; hasBias: boolean; epilogue: Epilogue; loads: string; m: number; n: number } & DirectForm,
  tiles: ReturnType<typeof matmulTiles>, sg: number,
): { code: string; entry: string; tiles: ReturnType<typeof matmulTiles> } {
  const code = instantiate('matmul.wgsl', {
    ENABLE: [o.T === 'f16' ? 'enable f16;' : '', sg > 0 ? 'enable subgroups;' : ''].join('\n'),
    T: o.T,
    AV: o.aVec ? `vec4<${o.T}>` : o.T,
    BV: o.bVec ? `vec4<${o.T}>` : o.T,
    WGX: tiles.wgX, WGY: tiles.wgY, TM: tiles.tm, TN4: tiles.tn / 4, BK: tiles.bk,
    HAS_BIAS: o.hasBias ? 'true' : 'false',
    HELPERS: activationHelpers,
    LOADS: o.loads,
    ACT: activation(o.epilogue, 'v'),
    ...directBody(tiles.tm, tiles.tn / 4, sg, o),
  });
  return { code, entry: tiles.kind === 'direct' ? 'gemmDirect' : 'gemmTiled', tiles };
}

/** The unrolled register-block code of gemmDirect: per 4-deep k step, TM vec4 loads of A rows, 4·TN4 vec4 loads of B, TM·TN4·4 FMAs. */
// With `sg` (the subgroup size, when the workgroup's rows are shared by a whole subgroup: wgY = 1), lane l loads
// rows l, l + sg, .. of the A block and subgroupBroadcast hands each row to every lane: lavapipe executes storage loads
// lane by lane, so this cuts A loads per lane from TM·4 to TM·4/sg.
// With `aT` / `bT` (a transposed operand bound as vec4), the block is read as 4×4 sub-blocks along the stored rows
// (loadAT4 / loadBT4) and transposed in registers: 4 vector loads where a column gather takes 16 scalar ones.
// With `rowHoist` (the loads define rowA(b, m) -> ARow and loadA4r(b, row, k)), each A row is decoded once before the
// depth loop (the convolutions' output-pixel decode) and the step only loads.
// With `tap` as well (the loads also define taps(), tapDepth(), tapRow(row, tap) -> i32 and loadA4t(offset, c)), the
// depth loop is two loops, over the taps and, inside, over the tapDepth() channels of a tap by 4: each row's input
// offset for the tap (−1 on padding) is found once per tap, and the step is one load per row with no index decode.
function directBody(tm: number, tn4: number, sg: number, o: DirectForm): Record<'DIRECT_ARGS' | 'DIRECT_DECL' | 'DIRECT_LOOP' | 'DIRECT_STEP' | 'DIRECT_END' | 'DIRECT_STORE', string> {
  const { aT = false, bT = false, rowHoist = false, tap = false } = o;
  if (tap && (!rowHoist || aT)) throw new Error('wgsl gemm: the tap loop needs row hoisting and a plain A');
  const decl: string[] = [], step: string[] = [], store: string[] = [];
  let loop = '  for (var k = 0u; k < P.k; k = k + 4u) {', end = '  }';
  const comp = ['x', 'y', 'z', 'w'];
  /** vec4(v_0.c, v_1.c, v_2.c, v_3.c): component c of four vectors (a column of the 4×4 block). */
  const column = (v: (q: number) => string, c: number): string => `vec4<f32>(${[0, 1, 2, 3].map((q) => `${v(q)}.${comp[c]}`).join(', ')})`;
  for (let i = 0; i < tm; i++) for (let j = 0; j < tn4; j++) decl.push(`  var acc_${i}_${j} = vec4<f32>(0.0);`);
  if (aT) {
    // at_g_kk = A[row0 + 4g .. + 3, k + kk]; with sg, vector q = 4g + kk is loaded by lane q % sg in slot q / sg.
    if (sg > 0) {
      for (let r = 0; r < tm / sg; r++) step.push(`    let q${r} = ${r * sg}u + sgid;\n    let al${r} = loadAT4(b, k + q${r} % 4u, row0 + (q${r} / 4u) * 4u);`);
      for (let q = 0; q < tm; q++) step.push(`    let at_${q >> 2}_${q & 3} = subgroupBroadcast(al${Math.floor(q / sg)}, ${q % sg}u);`);
    } else for (let q = 0; q < tm; q++) step.push(`    let at_${q >> 2}_${q & 3} = loadAT4(b, k + ${q & 3}u, row0 + ${4 * (q >> 2)}u);`);
    for (let i = 0; i < tm; i++) step.push(`    let a${i} = ${column((kk) => `at_${i >> 2}_${kk}`, i & 3)};`);
  } else if (rowHoist) {
    const rows = sg > 0 ? tm / sg : tm;
    for (let r = 0; r < rows; r++) decl.push(`  let ar${r} = rowA(b, row0 + ${sg > 0 ? `${r * sg}u + sgid` : `${r}u`});`);
    const load = (r: number): string => (tap ? `loadA4t(to${r}, c)` : `loadA4r(b, ar${r}, k)`);
    if (tap) {
      loop = [
        '  for (var tap = 0u; tap < taps(); tap = tap + 1u) {',
        ...Array.from({ length: rows }, (_, r) => `    let to${r} = tapRow(ar${r}, tap);`),
        '    for (var c = 0u; c < tapDepth(); c = c + 4u) {',
        '    let k = tap * tapDepth() + c;',
      ].join('\n');
      end = '    }\n  }';
    }
    if (sg > 0) {
      for (let r = 0; r < rows; r++) step.push(`    let al${r} = ${load(r)};`);
      for (let i = 0; i < tm; i++) step.push(`    let a${i} = subgroupBroadcast(al${Math.floor(i / sg)}, ${i % sg}u);`);
    } else for (let i = 0; i < tm; i++) step.push(`    let a${i} = ${load(i)};`);
  } else if (sg > 0) {
    for (let r = 0; r < tm / sg; r++) step.push(`    let al${r} = loadA4(b, row0 + ${r * sg}u + sgid, k);`);
    for (let i = 0; i < tm; i++) step.push(`    let a${i} = subgroupBroadcast(al${Math.floor(i / sg)}, ${i % sg}u);`);
  } else for (let i = 0; i < tm; i++) step.push(`    let a${i} = loadA4(b, row0 + ${i}u, k);`);
  // bt_j_jj = B[k .. k + 3, col0 + 4j + jj] (a stored row of the transposed B).
  if (bT) for (let j = 0; j < tn4; j++) for (let jj = 0; jj < 4; jj++) step.push(`    let bt_${j}_${jj} = loadBT4(b, col0 + ${4 * j + jj}u, k);`);
  for (let kk = 0; kk < 4; kk++)
    for (let j = 0; j < tn4; j++) {
      step.push(`    let b${kk}_${j} = ${bT ? column((jj) => `bt_${j}_${jj}`, kk) : `loadB4(b, k + ${kk}u, col0 + ${4 * j}u)`};`);
      for (let i = 0; i < tm; i++) step.push(`    acc_${i}_${j} = fma(vec4<f32>(a${i}.${comp[kk]}), b${kk}_${j}, acc_${i}_${j});`);
    }
  for (let i = 0; i < tm; i++) for (let j = 0; j < tn4; j++) store.push(`  finish(b, row0 + ${i}u, col0 + ${4 * j}u, acc_${i}_${j});`);
  return {
    DIRECT_ARGS: sg > 0 ? ', @builtin(subgroup_invocation_id) sgid: u32' : '',
    DIRECT_DECL: decl.join('\n'), DIRECT_LOOP: loop, DIRECT_STEP: step.join('\n'), DIRECT_END: end, DIRECT_STORE: store.join('\n'),
  };
}

/** The subgroup size to share A rows by subgroupBroadcast in gemmDirect, or 0: needs 'subgroups', a fixed subgroup size
 * (adapter info min = max) dividing wgX and tm, and wgY = 1 (all lanes of a subgroup on the same rows). */
function broadcastWidth(ctx: RoutineContext, t: TileConfig): number {
  if (t.sgBroadcast === false || !ctx.device.features.has('subgroups') || t.wgY !== 1) return 0;
  const info = (ctx.device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  const sg = ctx.subgroupSize ?? (info?.subgroupMinSize && info.subgroupMinSize === info.subgroupMaxSize ? info.subgroupMinSize : 0);
  return sg > 0 && t.wgX % sg === 0 && t.tm % sg === 0 ? sg : 0;
}

/** Workgroup grid of a GEMM of m×n outputs per batch with these tiles; throws past the adapter's grid limit. */
export function gemmGrid(ctx: RoutineContext, tiles: TileConfig & { kind: 'direct' | 'tiled' }, m: number, n: number, batch: number, op: string): [number, number, number] {
  const bm = tiles.wgY * tiles.tm, bn = tiles.wgX * tiles.tn;
  const nt = Math.ceil(n / bn), mt = Math.ceil(m / bm);
  const maxDim = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (nt > maxDim || mt > maxDim || batch > maxDim) throw new Error(`wgsl ${op}: grid ${nt}×${mt}×${batch} exceeds maxComputeWorkgroupsPerDimension ${maxDim}`);
  // gemmDirect walks row tiles along x, gemmTiled column tiles.
  return tiles.kind === 'direct' ? [mt, nt, batch] : [nt, mt, batch];
}

/** Encode C[b] = act(op(A[b])·op(B[b]) + bias) for b < batch into `target` (a compute pass, or a command encoder: one pass is opened). */
export function encodeMatmul(ctx: RoutineContext, target: PassOrEncoder, args: MatmulArgs): void {
  const { m, n, k } = args;
  const batch = args.batch ?? 1;
  for (const [name, v] of Object.entries({ m, n, k, batch })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`wgsl matmul: ${name} must be a non-negative integer, got ${v}`);
  }
  if (m === 0 || n === 0 || batch === 0) return;
  const transA = args.transA ?? false, transB = args.transB ?? false;
  const { code, entry, tiles } = matmulShader(ctx, args);
  const p = pipeline(ctx, code, entry);
  const [gx, gy] = gemmGrid(ctx, tiles, m, n, batch, 'matmul');
  const tilesX = Math.ceil(n / (tiles.wgX * tiles.tn));
  const u = uniforms(ctx, [
    m, n, k, batch,
    args.aBatchStride ?? m * k, args.bBatchStride ?? k * n, args.cBatchStride ?? m * n, args.lda ?? (transA ? m : k),
    args.ldb ?? (transB ? k : n), args.ldc ?? n, tilesX, args.biasBatchStride ?? 0,
  ]);
  const bg = bindGroup(ctx, p, [u, args.a, args.b, args.out, args.bias ?? dummyBuffer(ctx)]);
  withPass(target, (pass) => {
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(gx, gy, batch);
  });
}
