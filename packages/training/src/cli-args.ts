/** Parsed command line of the training command. */
export interface TrainCliArgs {
  readonly dataDir: string;
  readonly outDir: string;
  readonly quick: boolean;
  readonly seed?: number;
  readonly inputSize?: number;
  readonly backend: 'wasm' | 'cpu';
  /** Folder for cached trunk features, to iterate on the head without recomputing them. */
  readonly cacheDir?: string;
}

export const TRAIN_USAGE = `usage: node packages/training/dist/train-cli.js --data DIR --out DIR [--quick] [--seed N] [--input-size PX] [--backend wasm|cpu]

  --data DIR         ISIC-style folder: labels.csv (image_id, diagnosis, split), images/, masks/
  --out DIR          model folder to (re)write: model.json, weights, manifest.json, training-report.json
  --quick            two images per diagnosis and a few epochs (CI smoke run)
  --seed N           master seed (default 20170)
  --input-size PX    model input side, a multiple of 32 (default 128)
  --backend NAME     TF.js backend for feature extraction and training (default wasm)
  --cache DIR        cache trunk features here and reuse them on the next run (development)`;

export function parseTrainArgs(argv: readonly string[]): TrainCliArgs {
  let dataDir: string | undefined;
  let outDir: string | undefined;
  let quick = false;
  let seed: number | undefined;
  let inputSize: number | undefined;
  let backend: 'wasm' | 'cpu' = 'wasm';
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
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (dataDir === undefined || outDir === undefined) throw new Error('--data and --out are required');
  return { dataDir, outDir, quick, backend, ...(cacheDir === undefined ? {} : { cacheDir }), ...(seed === undefined ? {} : { seed }), ...(inputSize === undefined ? {} : { inputSize }) };
}
