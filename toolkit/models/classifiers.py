"""Two small CNN judges: they read what a picture shows, so that generated pictures can be scored.

    ShapeClassifier   a shapes-world picture (B, 3, H, W) in [-1, 1] -> logits of its shape, colour and size;
                      its pooled features are the feature space of the Frechet distance (toolkit.eval.frechet)
    DigitClassifier   a 14 x 14 crop (B, 14, 14) in [0, 1] centred on a digit's ink -> logits of the digit
                      (the judge of the bouncing digits, toolkit.eval.digits)

Judges only: no generator ever trains against them.
"""
import torch
import torch.nn as nn

from ..data.vocab import COLOUR_NAMES, SHAPES, SIZE_NAMES


class ShapeClassifier(nn.Module):
    """Three conv stages, global average pooling, then one linear head per attribute."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = self.width = width                     # channels of the first conv; doubled at each of three stages
        self.stages = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.GroupNorm(8, w), nn.SiLU(), nn.AvgPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.GroupNorm(8, 2 * w), nn.SiLU(), nn.AvgPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.GroupNorm(8, 4 * w), nn.SiLU(),
        )
        self.heads = nn.ModuleDict({"shape": nn.Linear(4 * w, len(SHAPES)),
                                    "colour": nn.Linear(4 * w, len(COLOUR_NAMES)),
                                    "size": nn.Linear(4 * w, len(SIZE_NAMES))})

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, 4 * width) pooled features."""
        return self.stages(images).mean((-1, -2))

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.features(images)
        return {k: head(f) for k, head in self.heads.items()}


class DigitClassifier(nn.Module):
    """Crops (B, 14, 14) in [0, 1], centred on the ink's centre of mass -> logits (B, 10)."""

    def __init__(self, channels: tuple = (16, 32, 64)):
        super().__init__()
        a, b, c = channels
        self.net = nn.Sequential(nn.Conv2d(1, a, 3, padding=1), nn.SiLU(),
                                 nn.Conv2d(a, b, 3, stride=2, padding=1), nn.SiLU(),      # 7 x 7
                                 nn.Conv2d(b, c, 3, stride=2, padding=1), nn.SiLU(),      # 4 x 4
                                 nn.Flatten(), nn.Linear(c * 16, 10))

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        return self.net(crops[:, None])
