import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { measureStageTimings } from './stage-timings.js';

const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '4000' },
    height: { type: 'string', default: '3000' },
    lesions: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    replicas: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: pnpm bench:stages [--width 4000 --height 3000 --lesions 100 --runs 5 --replicas 2 --seed 1]\n');
  process.exit(0);
}

const report = await measureStageTimings(
  {
    width: Number(values.width),
    height: Number(values.height),
    lesions: Number(values.lesions),
    runs: Number(values.runs),
    classifierReplicas: Number(values.replicas),
    seed: Number(values.seed),
  },
  (done, total) => process.stderr.write(`\r  run ${done}/${total}`),
);
process.stderr.write('\n');
const { photo } = report;
process.stdout.write(
  `${photo.width}x${photo.height} photo, ${photo.lesions} planted lesions, ${photo.candidates} candidates; ` +
    `${report.classifierReplicas} classifier replicas; ${availableParallelism()} cores; median of ${report.runs} runs\n\n` +
    `| stage | median ms |\n|---|---:|\n` +
    Object.entries(report.medianMs)
      .map(([stage, ms]) => `| ${stage} | ${ms} |`)
      .join('\n') +
    `\n| client wall time | ${report.clientMedianMs} |\n`,
);
