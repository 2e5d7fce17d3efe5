"""A handful of test-side images, with attribution, for the demo and the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLES_PER_CLASS = 5  # at most 10 images: the data set has no licence for redistribution

ATTRIBUTION = """# Sample images: attribution

These {n} images are copied unchanged from **Br35H :: Brain Tumor Detection 2020**, a Kaggle
dataset by **Ahmed Hamada** (`yes/` = tumor, `no/` = no tumor; file names as upstream).
No licence is stated upstream: they are here for research and testing of NeuroLedger only, and
must not be redistributed beyond that.

They come from the test side of the de-duplicated group split, so the demo model never trained on
them or on a near-duplicate of them.

| file | label |
|---|---|
{rows}
"""


def write_samples(sources: list[Path], out_dir: Path) -> list[Path]:
    """Copy `sources` (paths `<root>/<class>/<file>`) to out_dir/<class>/<file> + ATTRIBUTION.md."""
    if len(sources) > 2 * SAMPLES_PER_CLASS:
        raise ValueError(f"at most {2 * SAMPLES_PER_CLASS} sample images, got {len(sources)}")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written = []
    for src in sources:
        target = out_dir / src.parent.name / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        written.append(target)
    rows = "\n".join(f"| `{p.parent.name}/{p.name}` | {p.parent.name} |" for p in written)
    (out_dir / "ATTRIBUTION.md").write_text(ATTRIBUTION.format(n=len(written), rows=rows))
    return written
