export type Risk = 'LOW' | 'MEDIUM' | 'HIGH';

export interface RiskCounts {
  /** Pigmented lesions: final class 3, 4 or 5. */
  readonly pigmented: number;
  /** Final class 4 (nspl_b, follow up). */
  readonly nsplB: number;
  /** Final class 5 (spl, suspicious). */
  readonly spl: number;
}

/**
 * pipeline.md step 8: LOW when n_pl < 20 and n4 = 0 and n5 = 0; HIGH when n_pl >= 50 or n4 >= 3
 * or n5 >= 1; MEDIUM otherwise. The two named cases cannot both hold (LOW needs n5 = 0, n4 = 0
 * and n_pl < 20), so their order does not matter.
 */
export function riskLabel({ pigmented, nsplB, spl }: RiskCounts): Risk {
  if (pigmented >= 50 || nsplB >= 3 || spl >= 1) return 'HIGH';
  if (pigmented < 20 && nsplB === 0 && spl === 0) return 'LOW';
  return 'MEDIUM';
}
