/** Confusion matrix: rows = true class, columns = predicted class. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const row = m[truth[i] as number];
    if (row !== undefined) row[predicted[i] as number] = (row[predicted[i] as number] ?? 0) + 1;
  }
  return m;
}

/** Recall of each class; NaN for a class with no examples. */
export function perClassRecall(matrix: number[][]): number[] {
  return matrix.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : (row[c] as number) / total;
  });
}

export function perClassPrecision(matrix: number[][]): number[] {
  return matrix.map((_, c) => {
    const predicted = matrix.reduce((a, row) => a + (row[c] as number), 0);
    return predicted === 0 ? Number.NaN : ((matrix[c] as number[])[c] as number) / predicted;
  });
}

/** Mean recall over the classes that have examples. */
export function balancedAccuracy(matrix: number[][]): number {
  const recalls = perClassRecall(matrix).filter((r) => !Number.isNaN(r));
  return recalls.length === 0 ? Number.NaN : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting half (Mann-Whitney U over mid-ranks). NaN without both kinds.
 */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k] as number]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function argmaxRows(probabilities: Float32Array, classes: number): Int32Array {
  const n = probabilities.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probabilities[i * classes + c] as number) > (probabilities[i * classes + best] as number)) best = c;
    out[i] = best;
  }
  return out;
}
