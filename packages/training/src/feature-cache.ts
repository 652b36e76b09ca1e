import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CropKind } from './dataset.js';
import type { FeatureSet } from './features.js';

/**
 * On-disk cache of trunk features, keyed by everything that determines them (recipe, seed, input
 * size, layers, images): feature extraction is the slow step, the head is retrained in seconds.
 */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export async function readCachedFeatures(dir: string, key: string): Promise<FeatureSet | undefined> {
  try {
    const meta = JSON.parse(await readFile(path.join(dir, `${key}.json`), 'utf8')) as {
      size: number;
      count: number;
      labels: number[];
      kinds: CropKind[];
      groups: string[];
    };
    const bytes = await readFile(path.join(dir, `${key}.f32`));
    const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (features.length !== meta.size * meta.count) return undefined;
    return { size: meta.size, count: meta.count, features, labels: Int32Array.from(meta.labels), kinds: meta.kinds, groups: meta.groups };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function writeCachedFeatures(dir: string, key: string, set: FeatureSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${key}.f32`), new Uint8Array(set.features.buffer, set.features.byteOffset, set.features.byteLength));
  const meta = { size: set.size, count: set.count, labels: Array.from(set.labels), kinds: set.kinds, groups: set.groups };
  await writeFile(path.join(dir, `${key}.json`), JSON.stringify(meta));
}
