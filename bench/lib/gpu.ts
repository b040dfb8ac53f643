// Helpers shared by the scripts that time WebGPU routines directly (bench/webgpu-routines.ts, bench/micro/webgpu-*.mts).
/// <reference types="@webgpu/types" />

/** A storage buffer of `n` float32 values sin(12.9898·i + seed)/2: deterministic data in [−0.5, 0.5]. */
export function sineBuffer(device: GPUDevice, n: number, seed: number): GPUBuffer {
  const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  const f = new Float32Array(buf.getMappedRange());
  for (let i = 0; i < n; i++) f[i] = Math.sin(i * 12.9898 + seed) * 0.5;
  buf.unmap();
  return buf;
}
