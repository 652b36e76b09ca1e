import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintModelFiles, parseManifest as sharedParseManifest, SOURCE_FINGERPRINT_KEY } from '@skinlesion/model-manifest';
import { decodeModel } from '@skinlesion/onnx-export';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, parseManifest, readManifestFile } from '../src/manifest.js';

const shippedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services/classifier/models/default');

describe('model manifest', () => {
  it('is the classifier’s own validator, not a copy', () => {
    expect(parseManifest).toBe(sharedParseManifest);
    expect(MANIFEST_FILE).toBe('manifest.json');
  });

  it('describes the shipped model and names an ONNX export made from the TF.js files beside it', async () => {
    const manifest = await readManifestFile(shippedDir);
    expect(manifest.format).toBe('tfjs-layers');
    expect(manifest.onnx?.modelPath).toBe('model.onnx');
    const onnx = decodeModel(new Uint8Array(await readFile(path.join(shippedDir, manifest.onnx?.modelPath ?? ''))));
    const recorded = onnx.metadata_props.find((p) => p.key === SOURCE_FINGERPRINT_KEY)?.value;
    expect(recorded).toBe(await fingerprintModelFiles(path.join(shippedDir, manifest.modelPath)));
  });
});
