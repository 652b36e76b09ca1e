import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LesionClass, Split } from './types.js';

/**
 * The lesion images of an ISIC-layout folder: images/<id>.jpg, masks/<id>.png and labels.csv
 * with (at least) the columns image_id, diagnosis and split.
 */

export type Diagnosis = 'melanoma' | 'seborrheic_keratosis' | 'nevus';

/** The project's mapping of ISIC diagnoses to the pipeline's pigmented-lesion classes. */
export const CLASS_FOR_DIAGNOSIS: Readonly<Record<Diagnosis, LesionClass>> = {
  melanoma: 5,
  seborrheic_keratosis: 4,
  nevus: 3,
};

export interface IsicEntry {
  id: string;
  diagnosis: Diagnosis;
  split: 'dev' | 'holdout';
  imagePath: string;
  maskPath: string;
}

function isDiagnosis(value: string): value is Diagnosis {
  return value === 'melanoma' || value === 'seborrheic_keratosis' || value === 'nevus';
}

/** Splits one CSV line; the ISIC files hold no quoted commas, but quotes around fields are removed. */
function fields(line: string): string[] {
  return line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1')); // strip one pair of enclosing quotes
}

/**
 * The entries of `split` ('all' = every row) whose image and mask files exist. Throws when the
 * folder or labels.csv is missing or malformed, or when the split holds no usable image.
 */
export async function readIsicEntries(dataDir: string, split: Split): Promise<IsicEntry[]> {
  const labelsPath = path.join(dataDir, 'labels.csv');
  if (!existsSync(labelsPath)) throw new Error(`ISIC data folder ${dataDir} has no labels.csv`);
  const lines = (await readFile(labelsPath, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== ''); // CRLF or LF
  const header = fields(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${labelsPath} lacks the column ${name} (has: ${header.join(', ')})`);
    return i;
  };
  const idCol = col('image_id');
  const diagnosisCol = col('diagnosis');
  const splitCol = col('split');

  const entries: IsicEntry[] = [];
  for (const [n, line] of lines.slice(1).entries()) {
    const row = fields(line);
    const id = row[idCol];
    const diagnosis = row[diagnosisCol];
    const rowSplit = row[splitCol];
    if (!id || !diagnosis || !isDiagnosis(diagnosis) || (rowSplit !== 'dev' && rowSplit !== 'holdout')) {
      throw new Error(`${labelsPath} line ${n + 2} is malformed: ${line}`);
    }
    if (split !== 'all' && rowSplit !== split) continue;
    const imagePath = path.join(dataDir, 'images', `${id}.jpg`);
    const maskPath = path.join(dataDir, 'masks', `${id}.png`);
    if (!existsSync(imagePath) || !existsSync(maskPath)) continue;
    entries.push({ id, diagnosis, split: rowSplit, imagePath, maskPath });
  }
  if (entries.length === 0) {
    throw new Error(`no usable images in split '${split}' of ${labelsPath} (rows listed there need images/<id>.jpg and masks/<id>.png)`);
  }
  return entries;
}
