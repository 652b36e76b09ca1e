import { describe, expect, it } from 'vitest';
import type { IsicRecord } from '../src/isic.js';
import { splitRecords } from '../src/split.js';

const records = (diagnosis: IsicRecord['diagnosis'], count: number, split: IsicRecord['split'] = 'dev'): IsicRecord[] =>
  Array.from({ length: count }, (_, i) => ({ imageId: `ISIC_${diagnosis.slice(0, 3)}_${String(i).padStart(3, '0')}`, diagnosis, split }));

describe('splitRecords', () => {
  it('holds out positions 3, 6 and 9 mod 10 of each diagnosis sorted by id, whatever the row order', () => {
    const all = [...records('nevus', 20), ...records('melanoma', 7)];
    const split = splitRecords([...all].reverse());
    expect(split.heldOut.map((r) => r.imageId).sort()).toEqual(
      ['ISIC_nev_003', 'ISIC_nev_006', 'ISIC_nev_009', 'ISIC_nev_013', 'ISIC_nev_016', 'ISIC_nev_019', 'ISIC_mel_003', 'ISIC_mel_006'].sort(),
    );
    expect(split.train.length + split.heldOut.length).toBe(all.length);
    expect(split.rule).toMatch(/mod 10/);
  });

  it('uses the holdout rows of labels.csv when there are any', () => {
    const split = splitRecords([...records('nevus', 12), ...records('melanoma', 2, 'holdout')]);
    expect(split.heldOut).toHaveLength(2);
    expect(split.train).toHaveLength(12);
    expect(split.rule).toMatch(/holdout rows/);
  });
});
