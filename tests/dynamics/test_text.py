"""`minimaxlab dynamics`: what ``dynamics.text`` renders (and the JSON beside it), and one-line
errors for bad input."""

import json

import pytest

from minimaxlab.dynamics.text import analysis_text
from minimaxlab.errors import MinimaxlabError
from tests.helpers import invoke, one_line_error


def test_dynamics_json_is_one_object_with_everything():
    result = invoke(
        "dynamics",
        "--game",
        "bilinear",
        "--method",
        "extragradient",
        "--lr",
        0.5,
        "--steps",
        300,
        "--start",
        -1,
        2,
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["matrix"] == [[0.75, 0.5], [-0.5, 0.75]]
    assert data["convergent_lr"] == [[0.0, pytest.approx(1.0)]]
    assert data["spectral_radius"] == pytest.approx((1 - 0.25 + 0.0625) ** 0.5)
    assert data["verdict"] == "converges" and data["start"] == [-1.0, 2.0]
    assert data["final_distance"] < 5**0.5 * data["spectral_radius"] ** 300 * 10
    assert data["state"] == ["d_k", "g_k"] and len(data["eigenvalues"]) == 2
    checks = data["range_checks"]  # simulated just below and just above α = 1
    assert [(c["expected"], c["seen"]) for c in checks] == [
        ("converges", "converges"),
        ("diverges", "diverges"),
    ]
    assert checks[0]["lr"] == pytest.approx(0.99) and checks[1]["lr"] == pytest.approx(1.01)


def test_dynamics_text_with_coefficients_after_one_flag():
    result = invoke(
        "dynamics",
        "--game",
        "quadratic",
        "--coef",
        "a=1",
        "b=2",
        "c=1",
        "d=0.5",
        "e=-0.5",
        "--method",
        "optimistic",
        "--lr",
        0.2,
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "f(x, y) = 0.5 x² + 2 x y − 0.5 y² + 0.5 x − 0.5 y" in text
    assert "stationary point: (0.1, -0.3)" in text and "strict Nash equilibrium" in text
    assert "[x_k, y_k, x_k−1, y_k−1]" in text and "c = [-0.1, -0.1, 0, 0]" in text
    assert "converges for α in: (0, 0.287584)" in text
    assert "(just below 0.287584) converges; " in text and "(just above 0.287584) diverges" in text
    # the same coefficients as repeated options give the same answer
    again = invoke(
        "dynamics",
        "--game",
        "quadratic",
        "--coef",
        "a=1",
        "--coef",
        "b=2",
        "--coef",
        "c=1",
        "--coef",
        "d=0.5",
        "--coef",
        "e=-0.5",
        "--method",
        "optimistic",
        "--lr",
        0.2,
    )
    assert again.stdout == text


def test_dynamics_reports_overflow_and_marginal_ranges():
    data = json.loads(
        invoke(
            "dynamics",
            "--game",
            "bilinear",
            "--method",
            "descent",
            "--lr",
            3,
            "--steps",
            1000,
            "--json",
        ).stdout
    )
    assert data["final_distance"] is None and data["verdict"] == "diverges"
    text = invoke("dynamics", "--game", "bilinear", "--method", "alternating", "--lr", 1).stdout
    assert "converges for α in: none" in text
    assert "ρ = 1 (neither converges nor diverges) for α in: (0, 2)" in text


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--game", "bilinear", "--method", "adam", "--lr", 0.1], ["unknown method 'adam'"]),
        (["--game", "bilinear", "--method", "descent", "--lr", -0.1], ["positive", "-0.1"]),
        (["--game", "bilinear", "--method", "descent", "--lr", 0], ["positive"]),
        (["--game", "bilinear", "--method", "descent", "--lr", 0.1, "--steps", 0], ["steps"]),
        (
            ["--game", "quadratic", "--coef", "a=one", "--method", "descent", "--lr", 0.1],
            ["malformed coefficient 'a=one'"],
        ),
        (
            ["--game", "quadratic", "--coef", "a1", "--method", "descent", "--lr", 0.1],
            ["malformed coefficient 'a1'"],
        ),
        (
            ["--game", "quadratic", "--coef", "z=1", "--method", "descent", "--lr", 0.1],
            ["unknown coefficient 'z'"],
        ),
        (
            ["--game", "quadratic", "--coef", "b=0", "--method", "descent", "--lr", 0.1],
            ["no single stationary point"],
        ),
        (["--game", "torus", "--method", "descent", "--lr", 0.1], ["unknown game 'torus'"]),
    ],
)
def test_dynamics_bad_input_is_one_line(args, fragments):
    one_line_error(invoke("dynamics", *args), *fragments)


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
