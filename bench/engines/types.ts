// The interface every JavaScript engine of the benchmark implements (tensorlaw, TensorFlow.js, jax-js).
import type { Case, EngineInfo } from '../lib/common.js';

/** The generated inputs of a case, by name (float32, row-major, canonical channels-last layout). */
export type Inputs = ReadonlyMap<string, Float32Array>;
/** Outputs for the correctness guard, by name, in canonical layout (see Case.outputs). */
export type Outputs = Record<string, ArrayLike<number>>;

/** A case set up on an engine. */
export interface Runner {
  /** Runs once from the initial state and returns the outputs named by the case (not timed). */
  check(): Promise<Outputs>;
  /** One timed repetition; resolves once the work is really finished (results ready / read back). */
  run(): Promise<void>;
  dispose(): void;
  /** Shown next to the number (e.g. 'eager: no jit'). */
  note?: string;
}

export interface Engine {
  readonly info: EngineInfo;
  setup(c: Case, inputs: Inputs): Promise<Runner>;
  /** W9: times the first call of a freshly jitted W4 step in this (fresh) process. */
  cold?(c: Case, inputs: Inputs): Promise<{ ms: number; outputs: Outputs; note?: string }>;
}

/** Thrown by an engine that cannot run a case (reported as a skip with the reason, not as a failure). */
export class Unsupported extends Error {}

export const input = (inputs: Inputs, name: string): Float32Array => {
  const v = inputs.get(name);
  if (!v) throw new Error(`bench: missing input ${JSON.stringify(name)}`);
  return v;
};
