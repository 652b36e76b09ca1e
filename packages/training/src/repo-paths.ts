import { fileURLToPath } from 'node:url';

/** The repository root: this file sits in packages/training/{src,dist}/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the data set lives beside a checkout (issue 3: ../shared/data/isic2017 from the repository root). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../../shared/data/isic2017', import.meta.url));

/** The model the classifier loads by default. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../services/classifier/models/default', import.meta.url));

/** The classifier's raw bench, run by the evaluation for the inference cost. */
export const CLASSIFIER_RAW_BENCH = fileURLToPath(new URL('../../../services/classifier/dist/bench/raw-cli.js', import.meta.url));

/** Where the evaluation writes evaluation.md and evaluation.json. */
export const DEFAULT_DOCS_DIR = fileURLToPath(new URL('../../../docs', import.meta.url));
