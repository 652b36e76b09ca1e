export { measureStageTimings, type StageTimingOptions, type StageTimingReport } from './stage-timings.js';
export { median, percentile } from './stats.js';
