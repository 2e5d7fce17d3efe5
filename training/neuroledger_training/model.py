"""The two networks: the paper's CNN (four conv 3x3 + ReLU + max-pool blocks, flatten, dropout 0.25,
linear head) and a small residual CNN with a global-average-pool head. Both can give the class
activation map (`cam`, docs/interfaces.md section 1) of their linear head."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

ARCHES = ("paper", "resnet")
HEADS = ("linear", "tumor-type")
# Stem stride 2, stage strides 1, 2, 2, 1: features at S / 8 (16 x 16 for S = 128), fine enough
# for a heatmap and cheap enough for 2 CPU cores.
RESNET_STAGE_STRIDES = (1, 2, 2, 1)
RESNET_DOWNSAMPLINGS = 3
# Local evidence (BagNet-style, Brendel & Bethge, ICLR 2019): after the third stage's strided 3x3 every
# convolution is 1x1, so a feature cell sees a 31 x 31 pixel patch of the input (79 x 79 for the full
# residual CNN at any S) and the class evidence of a cell is about that patch alone: a slice's plane,
# framing or source can only enter the decision through what each patch shows.
LOCAL_ONE_BY_ONE = ((2, "conv2"), (3, "conv1"), (3, "conv2"))  # (stage, conv) made 1x1


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
    # "paper" (flatten head) or "resnet" (global-average-pool head); old checkpoints are "paper".
    arch: str = "paper"
    # Export the `cam` output (card v2 models).
    cam: bool = False
    # "linear": one linear head over K classes; "tumor-type": the type task's tumor head (no / yes)
    # and type head (glioma / meningioma / pituitary) combined into 4 logits (`TumorTypeCNN`).
    head: str = "linear"
    # Residual CNN only: 1x1 convolutions after the third stage's stride (LOCAL_ONE_BY_ONE).
    local: bool = False

    def __post_init__(self) -> None:
        if self.arch not in ARCHES:
            raise ValueError(f"unknown architecture {self.arch!r} (choose from {', '.join(ARCHES)})")
        if self.arch == "resnet" and len(self.channels) != 4:
            raise ValueError(f"the residual CNN wants 4 widths (stem/stage1, stage2, stage3, stage4), got {len(self.channels)}")
        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r} (choose from {', '.join(HEADS)})")
        if self.head == "tumor-type" and (self.arch != "resnet" or self.num_classes != 4):
            raise ValueError("the tumor-type head is built on the residual CNN with 4 classes (--arch resnet)")
        if self.local and self.arch != "resnet":
            raise ValueError("--local is a variant of the residual CNN: use it with --arch resnet")
        if self.input_size % (2 ** self.downsamplings) != 0:
            raise ValueError(f"input size {self.input_size} is not divisible by {2 ** self.downsamplings}")

    @property
    def downsamplings(self) -> int:
        return len(self.channels) if self.arch == "paper" else RESNET_DOWNSAMPLINGS

    @property
    def feature_size(self) -> int:
        return self.input_size // 2 ** self.downsamplings

    @property
    def receptive_field(self) -> int:
        """Side in input pixels of the patch one feature cell sees (theoretical receptive field)."""
        if self.arch == "paper":
            rf, jump = 1, 1
            for _ in self.channels:  # conv 3x3, max-pool 2
                rf, jump = rf + 2 * jump + jump, jump * 2
            return rf
        rf, jump = 3, 2  # stem conv 3x3 stride 2
        one_by_one = set(LOCAL_ONE_BY_ONE) if self.local else set()
        for stage, stride in enumerate(RESNET_STAGE_STRIDES):
            for conv in ("conv1", "conv2"):
                if (stage, conv) not in one_by_one:
                    rf += 2 * jump
                if conv == "conv1":
                    jump *= stride
        return rf

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["head"] == "linear":  # the binary models' dict (and so their fit keys) stays as it was
            del d["head"]
        if not d["local"]:
            del d["local"]
        return d

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

    def cam(self, features: torch.Tensor) -> torch.Tensor:
        """[B, C, h, w] -> [B, K, h, w]: cam[k, y, x] = sum_c W[k, c, y, x] * features[c, y, x]."""
        c, s = self.config.channels[-1], self.config.feature_size
        w = self.head.weight.view(self.config.num_classes, c, s, s)
        return (features.unsqueeze(1) * w.unsqueeze(0)).sum(2)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def _stage(cin: int, cout: int, stride: int) -> BasicBlock:
    down = None
    if stride != 1 or cin != cout:
        down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
    return BasicBlock(cin, cout, stride=stride, downsample=down)


class ResidualCNN(nn.Module):
    """Small ResNet from scratch: conv 3x3 stride 2 stem, four BasicBlocks (strides 1, 2, 2, 1),
    global average pool, dropout, linear. forward(x [B, 3, S, S]) -> (logits [B, K], features
    [B, C, S/8, S/8])."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.stem = nn.Sequential(
            nn.Conv2d(config.in_channels, c[0], 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c[0]), nn.ReLU(inplace=True)
        )
        widths = (c[0], *c)
        self.stages = nn.Sequential(*[_stage(a, b, st) for a, b, st in zip(widths, widths[1:], RESNET_STAGE_STRIDES)])
        if config.local:
            for stage, name in LOCAL_ONE_BY_ONE:
                block, old = self.stages[stage], getattr(self.stages[stage], name)
                setattr(block, name, nn.Conv2d(old.in_channels, old.out_channels, 1, stride=old.stride, bias=False))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(c[-1], config.num_classes)
        for m in self.modules():
            if isinstance(m, BasicBlock):  # zero-init the last BN of each block: starts as identity
                nn.init.zeros_(m.bn2.weight)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.stages(self.stem(x))
        logits = self.head(self.dropout(features.mean(dim=(2, 3))))
        return logits, features

    def cam(self, features: torch.Tensor) -> torch.Tensor:
        """[B, C, h, w] -> [B, K, h, w]: cam[k] = W[k] . features / (h * w)."""
        h, w = features.shape[2:]
        # A 1x1 convolution (not einsum): every ONNX runtime has a fast Conv.
        return nn.functional.conv2d(features, self.head.weight[:, :, None, None]) / (h * w)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


class TumorTypeCNN(ResidualCNN):
    """The type task's network: the residual backbone with two linear heads on the pooled features,
    a tumor head T (logits for no, yes) and a type head Y (glioma, meningioma, pituitary).

    forward -> (logits [B, 4], features) in the type task's label order
    [glioma, meningioma, no_tumor, pituitary]:
        logits[no_tumor] = log p(no)   = log_softmax(T f)[no]
        logits[type j]   = log p(yes) + log_softmax(Y f)[j]
    so softmax(logits) = exp(logits) = the class probabilities p(no), p(yes) p(j | yes).
    cam [B, 4, h, w]: no_tumor = the tumor head's map of "no", T[no] . features / (h w); type j =
    the tumor head's map of "yes" plus the type head's map of j, (T[yes] + Y[j]) . features / (h w).
    """

    NO_TUMOR = 2  # index of no_tumor in the output labels
    TYPE_INDEX = (0, 1, 3)  # output index of the type head's classes glioma, meningioma, pituitary

    def __init__(self, config: ModelConfig):
        super().__init__(config)
        c = config.channels[-1]
        del self.head
        self.tumor_head = nn.Linear(c, 2)
        self.type_head = nn.Linear(c, 3)

    def heads(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """features [B, C, h, w] -> (tumor logits [B, 2], type logits [B, 3]), dropout in training."""
        pooled = self.dropout(features.mean(dim=(2, 3)))
        return self.tumor_head(pooled), self.type_head(pooled)

    @classmethod
    def combine(cls, tumor_logits: torch.Tensor, type_logits: torch.Tensor) -> torch.Tensor:
        """(tumor [B, 2], type [B, 3]) -> the 4 output logits (log-probabilities, label order)."""
        log_tumor = torch.log_softmax(tumor_logits, dim=1)
        log_type = torch.log_softmax(type_logits, dim=1) + log_tumor[:, 1:2]
        return torch.cat([log_type[:, :2], log_tumor[:, :1], log_type[:, 2:]], dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.stages(self.stem(x))
        return self.combine(*self.heads(features)), features

    def tumor_cam(self, features: torch.Tensor) -> torch.Tensor:
        """[B, C, h, w] -> [B, 2, h, w]: the tumor head's maps (no, yes)."""
        h, w = features.shape[2:]
        return nn.functional.conv2d(features, self.tumor_head.weight[:, :, None, None]) / (h * w)

    def cam(self, features: torch.Tensor) -> torch.Tensor:
        """[B, C, h, w] -> [B, 4, h, w] in label order (see the class docstring)."""
        t = self.tumor_head.weight
        w_out = torch.cat([t[1:2] + self.type_head.weight[:2], t[0:1], t[1:2] + self.type_head.weight[2:]], dim=0)
        h, w = features.shape[2:]
        return nn.functional.conv2d(features, w_out[:, :, None, None]) / (h * w)


class WithCam(nn.Module):
    """Export wrapper: (logits, features, cam); logits = sum over (y, x) of cam + bias."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        logits, features = self.model(x)
        return logits, features, self.model.cam(features)


def build_model(config: ModelConfig) -> nn.Module:
    if config.head == "tumor-type":
        return TumorTypeCNN(config)
    return PaperCNN(config) if config.arch == "paper" else ResidualCNN(config)


def save_checkpoint(path, model: nn.Module, labels: list[str], mean: list[float] | None, std: list[float] | None, extra: dict | None = None) -> None:
    """`mean`/`std` are the version-1 normalisation (None for version 2, which standardises per image);
    `extra["preprocessing"]` = {"version", "size", "clip"} for version 2."""
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


def load_checkpoint(path) -> tuple[nn.Module, dict]:
    ckpt = torch.load(path, map_location="cpu")
    if ckpt.get("format") != "neuroledger.checkpoint/1":
        raise ValueError(f"{path} is not a NeuroLedger checkpoint (format {ckpt.get('format')!r})")
    model = build_model(ModelConfig.from_dict(ckpt["model_config"]))
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt
