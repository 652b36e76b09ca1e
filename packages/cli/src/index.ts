export { run, HELP } from './run.js';
export { EXIT, UsageError, processIo, type Io, type Output } from './io.js';
export type { BenchReport } from './commands/bench.js';
export { percentile, summarise, type LatencySummary } from './stats.js';
export { encodePng, syntheticSkin, unitScaledRows, type RgbPixels } from './synthetic.js';
