import json

import pytest

from minimaxlab.dynamics.text import analysis_text
from minimaxlab.errors import MinimaxlabError


def test_text_and_json_tell_the_same_analysis():
    text = analysis_text("bilinear", "simultaneous", 0.1, steps=10)
    data = json.loads(analysis_text("bilinear", "simultaneous", 0.1, steps=10, as_json=True))
    assert data["verdict"] == "diverges" and data["steps"] == 10
    assert f"spectral radius: {data['spectral_radius']:.6g} (diverges)" in text
    assert text.splitlines()[0].startswith("game: ") and "after 10 steps" in text.splitlines()[-1]


def test_coefficients_are_name_value_texts():
    text = analysis_text("quadratic", "descent", 0.1, ["a=1", "c=1"])
    assert "f(x, y) = 0.5 x² − 0.5 y²" in text
    with pytest.raises(MinimaxlabError, match="malformed coefficient 'a'"):
        analysis_text("quadratic", "descent", 0.1, ["a"])
