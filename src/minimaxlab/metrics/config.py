"""The evaluation section of a generative experiment's config."""

from __future__ import annotations

from pydantic import PositiveInt

from minimaxlab.config import StrictModel


class EvaluationConfig(StrictModel):
    """Whether ``run`` evaluates the generator when training ends, and on how many samples."""

    enabled: bool = True
    n: PositiveInt = 10000  # samples, and real training images they are compared with
