// Small v128 helpers shared by the kernel files (inlined; not exported from the module).

/** Four f32 vectors transposed: out k (lane k of a, b, c, d) stored at q + k·qs. */
// @ts-ignore: decorator
@inline export function transpose4(a: v128, b: v128, c: v128, d: v128, q: usize, qs: usize): void {
  const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7), cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(q, i32x4.shuffle(ab0, cd0, 0, 1, 4, 5));
  v128.store(q + qs, i32x4.shuffle(ab0, cd0, 2, 3, 6, 7));
  v128.store(q + 2 * qs, i32x4.shuffle(ab1, cd1, 0, 1, 4, 5));
  v128.store(q + 3 * qs, i32x4.shuffle(ab1, cd1, 2, 3, 6, 7));
}
