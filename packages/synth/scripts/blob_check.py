"""Checks synthetic photos against a reference blob detector.

Runs OpenCV's SimpleBlobDetector with the parameters of pipeline.md step 1 on photos written by
the synth CLI and compares its keypoints with their ground truth: a planted lesion counts as
found when a keypoint lies within its radius; a keypoint farther than one diameter from every
lesion counts as a false blob, on skin or off it (pipeline.md step 2's skin mask).

Usage (Debian's python3-opencv, hence /usr/bin/python3):
    node packages/synth/dist/cli.js --out /tmp/photos --count 5
    /usr/bin/python3 packages/synth/scripts/blob_check.py /tmp/photos/*.json
"""
import json
import os
import sys

import cv2


def detector(width, height):
    p = cv2.SimpleBlobDetector_Params()
    p.minThreshold, p.maxThreshold, p.thresholdStep = 0, 255, 10
    p.filterByColor, p.blobColor = True, 0
    p.filterByArea, p.minArea, p.maxArea = True, 100, width * height
    p.filterByCircularity, p.minCircularity = True, 0.1
    p.filterByConvexity, p.minConvexity = True, 0.1
    p.filterByInertia, p.minInertiaRatio = True, 0.1
    p.minRepeatability, p.minDistBetweenBlobs = 2, 10
    return cv2.SimpleBlobDetector_create(p)


def skin_mask(bgr):
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    hue = cv2.inRange(hsv, (0, 3, 0), (35, 255, 255)) | cv2.inRange(hsv, (154, 3, 0), (179, 255, 255))
    return cv2.medianBlur(hue & cv2.inRange(ycrcb, (0, 130, 77), (255, 180, 130)), 3)


def check(truth_path):
    truth = json.load(open(truth_path))
    bgr = cv2.imread(os.path.join(os.path.dirname(truth_path), truth['file']))
    keypoints = detector(truth['width'], truth['height']).detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    skin = skin_mask(bgr)
    lesions = truth['lesions']

    def within(k, lesion, radius):
        return (k.pt[0] - lesion['x']) ** 2 + (k.pt[1] - lesion['y']) ** 2 <= radius ** 2

    missed = [l for l in lesions if not any(within(k, l, l['diameter'] / 2) for k in keypoints)]
    false_skin = false_other = 0
    for k in keypoints:
        if any(within(k, l, l['diameter']) for l in lesions):
            continue
        x = min(int(k.pt[0]), skin.shape[1] - 1)
        y = min(int(k.pt[1]), skin.shape[0] - 1)
        if skin[y, x]:
            false_skin += 1
        else:
            false_other += 1
    print(f"{truth_path}: {len(lesions) - len(missed)}/{len(lesions)} found, {len(keypoints)} keypoints, "
          f"false blobs {false_skin} on skin + {false_other} off skin, skin fraction {skin.mean() / 255:.3f}")
    for lesion in missed:
        print(f"  missed {lesion}")
    return len(lesions), len(lesions) - len(missed), false_skin + false_other


def main(paths):
    planted = found = false = 0
    for path in sorted(paths):
        p, f, x = check(path)
        planted, found, false = planted + p, found + f, false + x
    print(f"total: {found}/{planted} lesions found ({found / max(planted, 1):.1%}), {false} false blobs")
    return 0 if found >= 0.9 * planted else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
