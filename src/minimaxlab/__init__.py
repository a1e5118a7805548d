"""minimaxlab: a reproducible laboratory for adversarial and generative learning."""

from minimaxlab.errors import MinimaxlabError

__version__ = "0.1.0"
__all__ = ["MinimaxlabError", "__version__"]
