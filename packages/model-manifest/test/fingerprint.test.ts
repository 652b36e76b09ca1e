import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintModelFiles, modelFingerprint, weightShardPaths } from '../src/index.js';

const bytes = (...values: number[]) => Uint8Array.from(values);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'manifest-fingerprint-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('modelFingerprint', () => {
  it('is a SHA-256 that changes with any byte and with where the parts split', () => {
    const reference = modelFingerprint(bytes(1, 2), [bytes(3, 4), bytes(5)]);
    expect(reference).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(modelFingerprint(bytes(1, 2), [bytes(3, 4), bytes(5)])).toBe(reference);
    expect(modelFingerprint(bytes(1, 2), [bytes(3, 4), bytes(6)])).not.toBe(reference);
    // Same bytes in total, split differently: a different model.
    expect(modelFingerprint(bytes(1, 2), [bytes(3), bytes(4, 5)])).not.toBe(reference);
  });
});

describe('weightShardPaths', () => {
  it('lists the shards of every group in order and refuses a malformed manifest', () => {
    expect(weightShardPaths({ weightsManifest: [{ paths: ['a.bin', 'b.bin'] }, { paths: ['c.bin'] }] })).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect(() => weightShardPaths({})).toThrow('model.json has no weightsManifest list');
    expect(() => weightShardPaths({ weightsManifest: [{ paths: [3] }] })).toThrow('weightsManifest[0].paths');
  });
});

describe('fingerprintModelFiles', () => {
  it('hashes model.json and its shards as read from disk', async () => {
    const modelJson = JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [] }] });
    await writeFile(path.join(root, 'model.json'), modelJson);
    await writeFile(path.join(root, 'w.bin'), bytes(9, 8, 7));
    expect(await fingerprintModelFiles(path.join(root, 'model.json'))).toBe(modelFingerprint(Buffer.from(modelJson), [bytes(9, 8, 7)]));
  });

  it('refuses shards outside the model folder', async () => {
    await writeFile(path.join(root, 'escape.json'), JSON.stringify({ weightsManifest: [{ paths: ['../w.bin'] }] }));
    await expect(fingerprintModelFiles(path.join(root, 'escape.json'))).rejects.toThrow(/lies outside the model folder/);
  });
});
