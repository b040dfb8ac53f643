// Error classes users can catch: each names what went wrong and what would be valid.

/** A traced (abstract) value was used where a concrete JS value is needed. */
export class ConcretizationTypeError extends TypeError {
  override name = 'ConcretizationTypeError';
}

/** A tracer was used outside the transformation that created it. */
export class UnexpectedTracerError extends Error {
  override name = 'UnexpectedTracerError';
}

/** Two pytrees that must share a structure do not. */
export class TreeStructureError extends TypeError {
  override name = 'TreeStructureError';
}

/** A NaN appeared while `debugNans` is on; names the first primitive that produced it. */
export class FloatingPointError extends Error {
  override name = 'FloatingPointError';
}
