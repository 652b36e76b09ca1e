export { measureStageTimings, medianStages, stagesOf, type AnalysisBody, type StageTimingOptions, type StageTimingReport } from './stage-timings.js';
export { median, percentile, ratio, round, summarize, type LatencySummary } from './stats.js';
export { evaluateTargets } from './targets.js';
export { renderMarkdown } from './report/markdown.js';
export { renderDocument, type Chart } from './report/svg.js';
export { chartsOf } from './report/charts.js';
export type { BenchResults } from './types.js';
