// Prints the tensorlaw targets available in this checkout and environment as JSON (for the orchestrator).
import { loadAllTargets } from './tensorlaw.js';

console.log(JSON.stringify(await loadAllTargets()));
