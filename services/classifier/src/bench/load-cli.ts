/**
 * A closed-loop ModelInfer load generator for @skinlesion/bench, which has no gRPC client of its
 * own: `concurrency` callers of `crops` UINT8 crops each, spread evenly over the targets (one
 * connection per caller), for a warm-up and then a measured window.
 *
 *   node services/classifier/dist/bench/load-cli.js --targets 127.0.0.1:5001[,127.0.0.1:5002]
 *       --size 128 [--concurrency 16] [--crops 1] [--seconds 10] [--warm-up 2] [--max-calls 200000]
 *
 * stdout, one JSON record per line: {"event":"window-start"} when the warm-up ends,
 * {"event":"window-end"} when the window closes (a caller may scrape server metrics on both),
 * then {"event":"result","latenciesMs":[...],"errors":{...},"seconds":...}.
 *
 *   node services/classifier/dist/bench/load-cli.js --write-request FILE --size 128 [--crops 1]
 *
 * writes the framed ModelInfer request body instead (for an external HTTP/2 load generator such
 * as h2load) and prints {"event":"request","file":...,"path":...,"bytes":...}.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { failed, nonNegativeNumber, positiveIntegers, positiveNumber, printRecord } from './args.js';
import { framedModelInferRequest, modelInferMethod, runGrpcLoad } from './grpc-load.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string' },
      size: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      crops: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '10' },
      'warm-up': { type: 'string', default: '2' },
      'max-calls': { type: 'string', default: '1000000' },
      'write-request': { type: 'string' },
    },
  });
  if (values['write-request'] !== undefined) {
    if (values.size === undefined) throw new Error('--size is required');
    const method = modelInferMethod();
    const body = framedModelInferRequest(method, positiveIntegers(values.crops, '--crops')[0], positiveIntegers(values.size, '--size')[0], 1);
    await writeFile(values['write-request'], body);
    printRecord({ event: 'request', file: values['write-request'], path: method.path, bytes: body.byteLength });
    return;
  }
  if (values.targets === undefined || values.size === undefined) throw new Error('--targets and --size are required');
  const targets = values.targets.split(',').filter((target) => target.length > 0);
  // Loopback only: this tool loads servers this machine started for a benchmark.
  const foreign = targets.filter((target) => !/^127\.0\.0\.1:\d+$/.test(target));
  if (foreign.length > 0) throw new Error(`--targets must be 127.0.0.1:<port>, got ${foreign.join(', ')}`);
  const samples = await runGrpcLoad(
    targets,
    {
      concurrency: positiveIntegers(values.concurrency, '--concurrency')[0],
      cropsPerRequest: positiveIntegers(values.crops, '--crops')[0],
      inputSize: positiveIntegers(values.size, '--size')[0],
      seconds: positiveNumber(values.seconds, '--seconds'),
      warmUpSeconds: nonNegativeNumber(values['warm-up'], '--warm-up'),
      maxCalls: positiveIntegers(values['max-calls'], '--max-calls')[0],
    },
    { windowStart: () => printRecord({ event: 'window-start' }), windowEnd: () => printRecord({ event: 'window-end' }) },
  );
  printRecord({ event: 'result', ...samples, latenciesMs: samples.latenciesMs.map((ms) => Math.round(ms * 1000) / 1000) });
}

main().catch(failed);
