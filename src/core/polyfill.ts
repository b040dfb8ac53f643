// Node 20 has no Symbol.dispose / Symbol.asyncDispose: install them so `using` and [Symbol.dispose] work.
const S = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
if (!S.dispose) Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('Symbol.dispose') });
if (!S.asyncDispose) Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('Symbol.asyncDispose') });
export {};
