import { AppError } from '@skinlesion/errors';
import type { Patches__Output, TilerClient, UglyDucklingClient } from '@skinlesion/proto';
import { MESSAGE_HEADROOM_BYTES } from '../config.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Classifier } from './classifier.js';

/** What the analysis and classify flows need, built once per app. */
export interface PipelineDeps {
  readonly tiler: TilerClient;
  readonly uglyDuckling: UglyDucklingClient;
  readonly classifier: Classifier;
  readonly metrics: GatewayMetrics;
  readonly maxCandidates: number;
  readonly grpcMaxMessageBytes: number;
}

/** Milliseconds to 0.1 ms: finer digits are noise at this scale. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Milliseconds since `started` (a performance.now() reading), to 0.1 ms. */
export function elapsedMs(started: number): number {
  return roundMs(performance.now() - started);
}

/**
 * Candidates per photo the tiler may return: the configured cap, lowered so that all crops of
 * one photo fit in one gRPC message (the tiler then reports truncated: true instead of failing).
 */
export function candidateCap(maxCandidates: number, grpcMaxMessageBytes: number, inputSize: number): number {
  const cropBytes = inputSize * inputSize * 3;
  return Math.max(1, Math.min(maxCandidates, Math.floor((grpcMaxMessageBytes - MESSAGE_HEADROOM_BYTES) / cropBytes)));
}

/** Checks a batch of crops the tiler sent against what was asked for; returns its bytes. */
export function checkedPatches(patches: Patches__Output | null, count: number, size: number): Uint8Array {
  if (count === 0) return new Uint8Array(0);
  const fault = (why: string) => new AppError('INTERNAL', `the tiler's crops ${why}`, { service: 'tiler' });
  if (!patches) throw fault('are missing');
  if (patches.count !== count) throw fault(`number ${patches.count}, expected ${count}`);
  if (patches.height !== size || patches.width !== size || patches.channels !== 3) {
    throw fault(`are ${patches.height}x${patches.width}x${patches.channels}, expected ${size}x${size}x3`);
  }
  if (patches.data.length !== count * size * size * 3) throw fault(`hold ${patches.data.length} bytes, expected ${count * size * size * 3}`);
  return patches.data;
}
