import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # tests/synthetic.py
sys.path.insert(0, str(HERE.parent))  # neuroledger_training

from synthetic import make_dataset  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    special = make_dataset(root, per_class=16, seed=0)
    return root, special
