import { parseArgs } from 'node:util';
import { EXPERIMENT_IDS, type ExperimentId } from './types.js';

export interface CliOptions {
  readonly quick: boolean;
  readonly only: readonly ExperimentId[];
  /** Folder for benchmarks.md/.json/.svg; undefined = the default for the kind of run. */
  readonly out?: string;
  /** A benchmarks.json to write the report from again, measuring nothing. */
  readonly from?: string;
  readonly help: boolean;
}

/** Experiment numbers of the issue, accepted by --only beside the names. */
const NUMBERED: Readonly<Record<string, ExperimentId>> = { '1': 'raw', '2': 'grpc', '3': 'e2e', '4': 'scaleout', '5': 'overload' };

export const USAGE = `pnpm bench [--quick] [--only <ids>] [--out <dir>]
pnpm bench --from docs/benchmarks.json [--out <dir>]

Runs the performance experiments against the whole system on this machine (127.0.0.1 only) and
writes benchmarks.md, benchmarks.json and benchmarks.svg, all from one run.

  --quick        seconds-scale windows: a smoke run (a few minutes); figures not to be quoted
  --only <ids>   comma-separated experiments, by name or number:
                   raw (1)       raw in-process inference, crops/s, batch 1 and 32, wasm and ONNX Runtime
                   grpc (2)      one classifier over gRPC, concurrency 1..32, batching on / 0 ms / off
                   e2e (3)       POST /v1/analyses, 12 MP photo, concurrency 1..8, 1 and 2 replicas
                   scaleout (4)  16 x 10 POST /v1/classify, 1 vs 2 replicas; gRPC tier; projection
                   overload (5)  open loop at 2 x saturation on /v1/classify for 20 s
                   blobs         our blob detection vs OpenCV on the 12 MP photo
  --out <dir>    where to write the three files. Default: docs/ for a full run of every experiment;
                 <tmpdir>/skinlesion-bench/ for --quick or --only, so a smoke run never replaces the
                 committed report
  --from <json>  write benchmarks.md/.svg (and the targets in the .json) again from an earlier
                 run's benchmarks.json, measuring nothing; --out defaults to its folder
  --help         this text

A full run takes about 8-10 minutes. Run it on an idle machine: the load average is recorded.`;

export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    quick: values.quick,
    only: parseOnly(values.only),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.from === undefined ? {} : { from: values.from }),
    help: values.help,
  };
}

/** "1,3,blobs" -> ['raw', 'e2e', 'blobs'] in the order the run does them; all when absent. */
export function parseOnly(raw: string | undefined): ExperimentId[] {
  if (raw === undefined) return [...EXPERIMENT_IDS];
  const wanted = new Set<ExperimentId>();
  for (const item of raw.split(',').map((part) => part.trim().toLowerCase()).filter((part) => part.length > 0)) {
    const id = NUMBERED[item] ?? (EXPERIMENT_IDS as readonly string[]).find((name) => name === item);
    if (id === undefined) throw new Error(`--only: unknown experiment "${item}"; choose from ${EXPERIMENT_IDS.join(', ')} or 1-5`);
    wanted.add(id as ExperimentId);
  }
  if (wanted.size === 0) throw new Error('--only needs at least one experiment');
  return EXPERIMENT_IDS.filter((id) => wanted.has(id));
}
