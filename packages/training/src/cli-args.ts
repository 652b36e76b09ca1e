import type { ExtractorRuntime } from './extractor.js';
import { DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR } from './repo-paths.js';
import type { BackendName } from './tf-runtime.js';

/** Parsed command line of the training command. */
export interface TrainCliArgs {
  readonly dataDir: string;
  readonly outDir: string;
  readonly quick: boolean;
  readonly seed?: number;
  readonly inputSize?: number;
  readonly backend: BackendName;
  readonly runtime: ExtractorRuntime;
  /** Folder for cached trunk features, to iterate on the head without recomputing them. */
  readonly cacheDir?: string;
}

export const TRAIN_USAGE = `usage: node packages/training/dist/train-cli.js [--data DIR] [--out DIR] [--quick] [--seed N] [--input-size PX] [--runtime onnx|tfjs] [--backend wasm|cpu] [--cache DIR]

  --data DIR         ISIC-style folder: labels.csv (image_id, diagnosis, split), images/, masks/
                     (default: ../shared/data/isic2017 from the repository root)
  --out DIR          model folder to (re)write: model.json, weights, model.onnx, manifest.json,
                     training-report.json (default: services/classifier/models/default)
  --quick            two images per diagnosis and a few head iterations (CI smoke run)
  --seed N           master seed (default 20170)
  --input-size PX    model input side, a multiple of 32 (default 128)
  --runtime NAME     runtime of the frozen trunk during feature extraction (default onnx)
  --backend NAME     TF.js backend for the TF.js steps (default wasm)
  --cache DIR        cache trunk features here and reuse them on the next run (development)`;

export function parseTrainArgs(argv: readonly string[]): TrainCliArgs {
  let dataDir = DEFAULT_DATA_DIR;
  let outDir = DEFAULT_MODEL_DIR;
  let quick = false;
  let seed: number | undefined;
  let inputSize: number | undefined;
  let backend: BackendName = 'wasm';
  let runtime: ExtractorRuntime = 'onnx';
  let cacheDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    const integer = (): number => {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n)) throw new Error(`${arg} needs an integer, got ${text}`);
      return n;
    };
    switch (arg) {
      case '--data':
        dataDir = value();
        break;
      case '--out':
        outDir = value();
        break;
      case '--quick':
        quick = true;
        break;
      case '--seed':
        seed = integer();
        break;
      case '--input-size':
        inputSize = integer();
        break;
      case '--cache':
        cacheDir = value();
        break;
      case '--backend': {
        const v = value();
        if (v !== 'wasm' && v !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${v}`);
        backend = v;
        break;
      }
      case '--runtime': {
        const v = value();
        if (v !== 'onnx' && v !== 'tfjs') throw new Error(`--runtime must be onnx or tfjs, got ${v}`);
        runtime = v;
        break;
      }
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return { dataDir, outDir, quick, backend, runtime, ...(cacheDir === undefined ? {} : { cacheDir }), ...(seed === undefined ? {} : { seed }), ...(inputSize === undefined ? {} : { inputSize }) };
}
