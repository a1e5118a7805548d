"""Weight initialisation schemes, chosen by name in a config."""

from __future__ import annotations

from torch import nn

from minimaxlab.errors import MinimaxlabError

_WEIGHTED = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def initialise(model: nn.Module, scheme: str) -> None:
    """``xavier`` (Glorot uniform, zero biases: Keras' defaults), ``normal`` (N(0, 0.02), the
    DCGAN paper's) or ``torch`` (leave PyTorch's defaults)."""
    if scheme == "torch":
        return
    if scheme not in ("xavier", "normal"):
        raise MinimaxlabError(f"unknown init {scheme!r}; choose xavier, normal or torch")
    for module in model.modules():
        if isinstance(module, _WEIGHTED):
            if scheme == "xavier":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, _NORMS) and scheme == "normal":
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
