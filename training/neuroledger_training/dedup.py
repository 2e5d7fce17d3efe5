"""Group near-duplicate images: a perceptual hash proposes pairs, a pixel check confirms them.

Works on the resized 0..255 images from the cache, so a copy that was re-encoded or stored at
another size lands on (nearly) the same 256x256 pixels as its original.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

BATCH = 256


@dataclass(frozen=True)
class DedupConfig:
    hash_bits: int = 63  # DCT pHash: 8x8 low frequencies of a 32x32 grayscale, DC left out
    max_hamming: int = 10  # hash agreement: the hashes differ in at most this many bits
    # Pixel check: Pearson correlation of the 32x32 grayscale thumbnails. A correlation rather
    # than a raw difference: Br35H holds copies of one slice with changed contrast or sharpening.
    min_pixel_correlation: float = 0.90  # confirms a pair whose hashes agree
    # Copies with a non-linear contrast change or a small shift scramble the DCT hash (measured on
    # br35h: visibly identical slices 24-32 bits apart), so a high enough correlation alone also
    # counts. At 0.93: 723 groups, none mixing labels; below it distinct slices start to chain.
    min_pixel_correlation_alone: float = 0.93

    def describe(self) -> dict:
        return {
            "method": "phash-dct63+pixel-correlation32",
            "description": (
                "On the resized 256x256 images: a perceptual hash (DCT of the 32x32 grayscale, 8x8 low "
                "frequencies without DC, each bit = coefficient > median) and the Pearson correlation of the "
                "32x32 grayscale thumbnails. Two images are duplicates when their hashes differ in at most "
                "maxHamming bits and the correlation is at least minPixelCorrelation, or when the correlation "
                "alone is at least minPixelCorrelationAlone. Groups are the connected components."
            ),
            **{_camel(k): v for k, v in asdict(self).items()},
        }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float64)


def signatures(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """images float32 [N, C, H, W] (v1: [N, 3, 256, 256]; v2 maps: [N, 1, S, S]) -> (hash bits bool [N, 63], standardized thumbnails [N, 1024])."""
    n = images.shape[0]
    dct = _dct_matrix(32)
    bits = np.zeros((n, 63), dtype=bool)
    thumbs = np.zeros((n, 32 * 32), dtype=np.float32)
    for start in range(0, n, BATCH):
        x = torch.tensor(np.asarray(images[start : start + BATCH])).mean(dim=1, keepdim=True)  # [B, 1, H, W]
        # = avg_pool2d(x, 8) on the 256x256 images of preprocessing v1; any S x S map (v2) works too.
        small = F.adaptive_avg_pool2d(x, 32)[:, 0].numpy().astype(np.float64)  # [B, 32, 32]
        coeffs = dct @ small @ dct.T  # [B, 32, 32]
        low = coeffs[:, :8, :8].reshape(len(x), 64)[:, 1:]  # [B, 63], DC dropped
        bits[start : start + len(x)] = low > np.median(low, axis=1, keepdims=True)
        flat = small.reshape(len(x), -1)  # [B, 1024]
        flat = (flat - flat.mean(1, keepdims=True)) / (flat.std(1, keepdims=True) + 1e-6)
        thumbs[start : start + len(x)] = flat
    return bits, thumbs


def hamming_matrix(bits: np.ndarray) -> np.ndarray:
    b = bits.astype(np.float32)
    return (b @ (1 - b).T + (1 - b) @ b.T).astype(np.int32)  # [N, N]


def find_groups(images: np.ndarray, config: DedupConfig = DedupConfig()) -> np.ndarray:
    """Group id (0..G-1, in order of first appearance) for every image."""
    bits, thumbs = signatures(images)
    n = len(bits)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    corr = thumbs @ thumbs.T / thumbs.shape[1]  # [N, N] Pearson correlations
    same = (hamming_matrix(bits) <= config.max_hamming) & (corr >= config.min_pixel_correlation)
    same |= corr >= config.min_pixel_correlation_alone
    rows, cols = np.nonzero(np.triu(same, k=1))
    for i, j in zip(rows.tolist(), cols.tolist()):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([root(i) for i in range(n)])
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    # Renumber so group ids follow the order of first appearance.
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.int64)


def cross_matches(images: np.ndarray, queries: np.ndarray, pool: np.ndarray, threshold: float) -> int:
    """How many `queries` images have an image in `pool` with thumbnail correlation >= threshold:
    a check on what the grouping may have missed between two sides of a split."""
    _, thumbs = signatures(images)
    corr = thumbs[queries] @ thumbs[pool].T / thumbs.shape[1]  # [Q, P]
    return int((corr.max(axis=1) >= threshold).sum()) if len(pool) else 0
