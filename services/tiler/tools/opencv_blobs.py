#!/usr/bin/python3
"""Reference blob detection with OpenCV's SimpleBlobDetector, for agreement checks of the tiler's
own implementation (services/tiler/src/domain/blobs.ts).

Run it with Debian's /usr/bin/python3 (python3-opencv). Parameters are the tiler's BlobParams
as JSON; every filter is switched on, as in the tiler.

Single image:
  opencv_blobs.py --params '{"minThreshold": 0, ...}' --image photo.jpg [--grey-out grey.raw]
  opencv_blobs.py --params '{...}' --raw grey.raw --width 1500 --height 1000
Batch (a JSON array of jobs on stdin, a JSON array of results on stdout):
  opencv_blobs.py --batch < jobs.json
  job: {"params": {...}?, "image": path | "raw": path, "width": w, "height": h, "greyOut": path?,
        "runs": n? (detections timed after an untimed one; the median is reported)}
  A job without params only loads the image (and writes greyOut).

An image is read in colour and converted with cvtColor(BGR2GRAY), the pipeline's grey; with
--grey-out / greyOut those exact grey bytes are written, so another detector can be fed the
identical input. Output per image:
  {"width", "height", "keypoints": [{"x", "y", "size"}], "milliseconds": median detection time}.
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np

PARAM_NAMES = (
    'minThreshold', 'maxThreshold', 'thresholdStep', 'minRepeatability', 'minDistBetweenBlobs',
    'blobColor', 'minArea', 'maxArea', 'minCircularity', 'maxCircularity', 'minConvexity',
    'maxConvexity', 'minInertiaRatio', 'maxInertiaRatio',
)


def detector(params):
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError('missing blob parameters: ' + ', '.join(missing))
    p = cv2.SimpleBlobDetector_Params()
    for name in PARAM_NAMES:
        setattr(p, name, params[name])
    p.filterByColor = True
    p.filterByArea = True
    p.filterByCircularity = True
    p.filterByConvexity = True
    p.filterByInertia = True
    return cv2.SimpleBlobDetector_create(p)


def load_grey(job):
    if 'image' in job:
        colour = cv2.imread(job['image'], cv2.IMREAD_COLOR)
        if colour is None:
            raise ValueError('cannot read image ' + job['image'])
        return cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    width, height = int(job['width']), int(job['height'])
    grey = np.fromfile(job['raw'], dtype=np.uint8)
    if grey.size != width * height:
        raise ValueError('%s holds %d bytes, %dx%d needs %d' % (job['raw'], grey.size, width, height, width * height))
    return grey.reshape(height, width)


def run(job):
    grey = load_grey(job)
    if job.get('greyOut'):
        grey.tofile(job['greyOut'])
    result = {'width': int(grey.shape[1]), 'height': int(grey.shape[0])}
    if job.get('params') is not None:
        blob_detector = detector(job['params'])
        # One untimed detection, then the median of `runs`, as the tiler's side is timed, so that
        # no side's figure includes its first call's warm-up.
        blob_detector.detect(grey)
        times = []
        for _ in range(max(1, int(job.get('runs', 1)))):
            started = time.perf_counter()
            keypoints = blob_detector.detect(grey)
            times.append((time.perf_counter() - started) * 1000)
        result['milliseconds'] = sorted(times)[len(times) // 2]
        result['keypoints'] = [{'x': float(k.pt[0]), 'y': float(k.pt[1]), 'size': float(k.size)} for k in keypoints]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', action='store_true', help='read a JSON array of jobs from stdin')
    parser.add_argument('--params', help='BlobParams as JSON')
    parser.add_argument('--image', help='image file, converted with cvtColor(BGR2GRAY)')
    parser.add_argument('--raw', help='raw 8-bit grey file (row-major)')
    parser.add_argument('--width', type=int)
    parser.add_argument('--height', type=int)
    parser.add_argument('--grey-out', help='write the grey bytes that were detected on')
    args = parser.parse_args()

    if args.batch:
        jobs = json.load(sys.stdin)
        json.dump([run(job) for job in jobs], sys.stdout)
    else:
        if args.params is None or (args.image is None) == (args.raw is None):
            parser.error('give --params and exactly one of --image or --raw (with --width, --height)')
        job = {'params': json.loads(args.params), 'greyOut': args.grey_out}
        if args.image is not None:
            job['image'] = args.image
        else:
            if args.width is None or args.height is None:
                parser.error('--raw needs --width and --height')
            job.update(raw=args.raw, width=args.width, height=args.height)
        json.dump(run(job), sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
