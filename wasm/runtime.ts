// Module-level helpers the JS runtime needs: where the scratch heap may start.

/** First byte after the module's static data; the JS scratch arena starts here (aligned up to 64). */
export function heapBase(): usize {
  return __heap_base;
}
