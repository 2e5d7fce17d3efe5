"""The paper's CNN: four conv 3x3 + ReLU + max-pool blocks, flatten, dropout 0.25, linear head."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    # Widths are ours (the paper names four blocks, not their widths): sized for 2 CPU cores.
    channels: tuple[int, ...] = (16, 32, 64, 128)
    # Batch-norm after each conv (before ReLU). Not in the paper; see README for why it is on.
    batch_norm: bool = True
    dropout: float = 0.25
    input_size: int = 256
    num_classes: int = 2
    in_channels: int = 3

    @property
    def feature_size(self) -> int:
        return self.input_size // 2 ** len(self.channels)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "ModelConfig":
        d = dict(d)
        d["channels"] = tuple(d["channels"])
        return ModelConfig(**d)


def conv_block(cin: int, cout: int, batch_norm: bool) -> nn.Sequential:
    # padding=1 is exported as explicit pads, never auto_pad (ORT WebGPU miscomputes SAME_UPPER).
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(cout))
    layers += [nn.ReLU(inplace=True), nn.MaxPool2d(2)]
    return nn.Sequential(*layers)


class PaperCNN(nn.Module):
    """forward(x [B, 3, 256, 256]) -> (logits [B, 2], features [B, C, 16, 16])."""

    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.config = config
        widths = (config.in_channels, *config.channels)
        self.blocks = nn.Sequential(*[conv_block(a, b, config.batch_norm) for a, b in zip(widths, widths[1:])])
        s = config.feature_size
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.channels[-1] * s * s, config.num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.blocks(x)  # [B, 3, 256, 256] -> [B, C, 16, 16]
        logits = self.head(self.dropout(torch.flatten(features, 1)))  # [B, C*16*16] -> [B, 2]
        return logits, features

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_checkpoint(path, model: PaperCNN, labels: list[str], mean: list[float], std: list[float], extra: dict | None = None) -> None:
    torch.save(
        {
            "format": "neuroledger.checkpoint/1",
            "model_config": model.config.to_dict(),
            "state_dict": model.state_dict(),
            "labels": labels,
            "mean": mean,
            "std": std,
            **(extra or {}),
        },
        path,
    )


def load_checkpoint(path) -> tuple[PaperCNN, dict]:
    ckpt = torch.load(path, map_location="cpu")
    if ckpt.get("format") != "neuroledger.checkpoint/1":
        raise ValueError(f"{path} is not a NeuroLedger checkpoint (format {ckpt.get('format')!r})")
    model = PaperCNN(ModelConfig.from_dict(ckpt["model_config"]))
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt
