import { parseArgs } from 'node:util';
import { blobAgreement, DEFAULT_IMAGES_DIR, DEFAULT_PYTHON, DEFAULT_SCENE, formatAgreement, openCvAvailability } from './blob-agreement.js';
import { DEFAULT_BLOB_THREADS } from '../parallel/blob-detector.js';
import type { LesionSceneOptions } from './blob-agreement-scene.js';

const USAGE = `node services/tiler/dist/tools/blob-agreement-cli.js [options]
  --images N        ISIC images, evenly spread by id (default 20)
  --data DIR        ISIC image folder (default ${DEFAULT_IMAGES_DIR})
  --python PATH     Python 3 with OpenCV (default ${DEFAULT_PYTHON})
  --scene WxH       drawn scene size (default ${DEFAULT_SCENE.width}x${DEFAULT_SCENE.height}), or "none"
  --lesions N       lesions in the scene (default ${DEFAULT_SCENE.lesions})
  --seed N          scene seed (default ${DEFAULT_SCENE.seed})
  --noise SIGMA     scene pixel noise, grey levels (default 3)
  --runs N          timing runs per image and side, after an untimed one; medians reported (default 1)
  --threads N       threads of our detector (default ${DEFAULT_BLOB_THREADS}, as the tiler ships it)`;

/** Prints how closely the tiler's blob detector agrees with OpenCV's SimpleBlobDetector. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '20' },
      data: { type: 'string', default: DEFAULT_IMAGES_DIR },
      python: { type: 'string', default: DEFAULT_PYTHON },
      scene: { type: 'string', default: `${DEFAULT_SCENE.width}x${DEFAULT_SCENE.height}` },
      lesions: { type: 'string', default: String(DEFAULT_SCENE.lesions) },
      seed: { type: 'string', default: String(DEFAULT_SCENE.seed) },
      noise: { type: 'string', default: '3' },
      runs: { type: 'string', default: '1' },
      threads: { type: 'string', default: String(DEFAULT_BLOB_THREADS) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const openCv = await openCvAvailability(values.python);
  if (!openCv.ok) throw new Error(openCv.reason);
  const report = await blobAgreement({
    images: wholeNumber('images', values.images),
    imagesDir: values.data,
    python: values.python,
    scene: sceneOptions(values.scene, values),
    timingRuns: wholeNumber('runs', values.runs),
    threads: wholeNumber('threads', values.threads),
  });
  process.stdout.write(`OpenCV ${openCv.version} SimpleBlobDetector vs ours (identical grey bytes from cv2 BGR2GRAY)\n`);
  process.stdout.write(`${formatAgreement(report)}\n`);
}

function sceneOptions(size: string, values: { lesions: string; seed: string; noise: string }): LesionSceneOptions | false {
  if (size === 'none') return false;
  // WIDTHxHEIGHT, e.g. 4000x3000
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (match === null) throw new RangeError(`--scene must be WIDTHxHEIGHT or none, got ${size}`);
  const noise = Number(values.noise);
  if (!(noise >= 0)) throw new RangeError(`--noise must be >= 0, got ${values.noise}`);
  return {
    width: Number(match[1]),
    height: Number(match[2]),
    lesions: wholeNumber('lesions', values.lesions),
    seed: wholeNumber('seed', values.seed),
    noise,
  };
}

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`--${name} must be a whole number, got ${text}`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
