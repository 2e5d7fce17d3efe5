"""Reference heatmaps for the sdk's parity test: training's own `heatmap.class_heatmap` and
`heatmap.peak` on given `cam` outputs, for every class.

stdin: JSON [{cam: [K*h*w floats], dims: [1, K, h, w], region: {left, top, size}, s, width, height}]
stdout: JSON [{heatmaps: [[h*w floats] per class], peaks: [[x, y] per class]}]
Run with the training package on sys.path (cwd training/).
"""

import json
import sys

import torch

from neuroledger_training.heatmap import class_heatmap, peak
from neuroledger_training.preprocess_v2 import Region


def main() -> None:
    out = []
    for case in json.load(sys.stdin):
        _, k, h, w = case["dims"]
        cam = torch.tensor(case["cam"], dtype=torch.float32).reshape(k, h, w)
        r = case["region"]
        region = Region(left=r["left"], top=r["top"], size=r["size"])
        out.append({
            "heatmaps": [class_heatmap(cam, c).flatten().tolist() for c in range(k)],
            "peaks": [list(peak(cam, c, region, case["s"], case["width"], case["height"])) for c in range(k)],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
