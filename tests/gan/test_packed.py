"""mode-bench's batched trials: trial k of a batched run equals the model trained alone from
its seed, packing concatenates m samples, a stopped run resumes to the bit, and the benchmark
script runs on tiny sizes."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from minimaxlab.data.toy2d import draw_points
from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan.packed import (
    PackedGanConfig,
    build_trials,
    method_of,
    pack_points,
    sample_trials,
    train_trials,
    trial_seed,
)
from minimaxlab.interrupt import TrainingInterrupted
from minimaxlab.runs import Run
from tests.helpers import StopAt

TINY = PackedGanConfig(
    generator_hidden=[16, 16], discriminator_width=8, epochs=2, batch_size=20
)  # 2 epochs of 200 points: 20 steps
SEEDS = [trial_seed(0, t) for t in range(3)]


def points(n=200):
    return draw_points("pacgan-ring8", 0, n, 1)[1]


def train(folder, method, seeds, config=TINY, **options):
    return train_trials(Run.create("test", folder), points(), method, config, seeds, **options)


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("method", ["gan", "pacgan3", "wgan-gp"])
def test_trial_k_of_the_batched_model_is_the_model_trained_alone(tmp_path, method):
    batched, loop = train(tmp_path / "batched", method, SEEDS)
    alone, _ = train(tmp_path / "alone", method, SEEDS[1:2])
    assert loop.step == 20
    for name, tensor in alone.state_dict().items():
        torch.testing.assert_close(batched.state_dict()[name][1:2], tensor, rtol=1e-5, atol=1e-6)
    # and it moved from where it started, differently from the other trials
    start, _ = build_trials(TINY, method_of(method)[1], SEEDS)
    assert not torch.allclose(batched[0].weight, start[0].weight)
    assert not torch.allclose(batched[0].weight[0], batched[0].weight[1])
    samples = sample_trials(batched, 50, SEEDS, TINY.latent_dim)
    torch.testing.assert_close(
        samples[1:2], sample_trials(alone, 50, SEEDS[1:2], 2), rtol=1e-5, atol=1e-6
    )


def test_packing_concatenates_one_point_of_each_block():
    # two trials, m = 2 blocks of B = 3 points: sample i is (point i, point B + i)
    points_ = torch.arange(24.0).view(2, 6, 2)
    packed = pack_points(points_, 2)
    assert packed.shape == (2, 3, 4)
    assert packed[0, 1].tolist() == [2.0, 3.0, 8.0, 9.0]
    assert packed[1, 2].tolist() == [16.0, 17.0, 22.0, 23.0]
    assert torch.equal(pack_points(points_, 1), points_)


def test_pacgan_discriminators_see_m_points():
    _, discriminator = build_trials(TINY, method_of("pacgan4")[1], SEEDS)
    assert discriminator[0].weight.shape == (3, 8, 40)  # 3 trials, 4 × 2 inputs, 8 × 5 pieces


def test_a_stopped_training_resumes_to_the_same_weights(tmp_path):
    straight, _ = train(tmp_path / "straight", "pacgan2", SEEDS[:2])
    config = TINY.model_copy(update={"checkpoint_every_epochs": 1})
    folder = tmp_path / "stopped"
    with pytest.raises(TrainingInterrupted):
        train(folder, "pacgan2", SEEDS[:2], config, stop=StopAt(13))
    assert torch.load(folder / "checkpoint.pt", weights_only=True)["step"] == 14
    resumed, loop = train_trials(Run(folder), points(), "pacgan2", config, SEEDS[:2])
    assert loop.step == 20
    for name, tensor in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor), name
    assert [r["step"] for r in Run(folder).metrics()] == [10, 20]


def test_same_seeds_give_the_same_generator(tmp_path):
    first, _ = train(tmp_path / "a", "gan", SEEDS[:2])
    again, _ = train(tmp_path / "b", "gan", SEEDS[:2])
    for name, tensor in weights(first).items():
        assert torch.equal(tensor, weights(again)[name]), name


def test_user_errors_are_one_line(tmp_path):
    with pytest.raises(MinimaxlabError, match="unknown GAN method 'pacgan9'"):
        method_of("pacgan9")
    small = TINY.model_copy(update={"batch_size": 500})
    with pytest.raises(MinimaxlabError, match="make no batch of 500"):
        train(tmp_path / "small", "gan", SEEDS[:1], small)


def test_the_benchmark_runs_on_tiny_sizes(tmp_path):
    script = Path(__file__).parents[2] / "benchmarks" / "mode_bench.py"
    spec = importlib.util.spec_from_file_location("mode_bench_benchmark", script)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    out = tmp_path / "result.json"
    benchmark.main(["--dry-run", "--device", "cpu", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["dry_run"] and result["trials"] == 2 and result["steps"] == 3
    assert result["batched_s"] > 0 and result["sequential_s"] > 0
    assert result["ratio_sequential_over_batched"] == pytest.approx(
        result["sequential_s"] / result["batched_s"]
    )


def test_lr_final_anneals_adams_step_and_a_stopped_run_resumes_on_the_same_schedule(tmp_path):
    config = TINY.model_copy(update={"lr_final": 1e-6, "checkpoint_every_epochs": 1})
    straight, loop = train(tmp_path / "straight", "gan", SEEDS[:2], config)
    # cosine from lr to lr_final over the 20 steps, for G and D alike
    rates = [group["lr"] for o in loop.state.optimizers.values() for group in o.param_groups]
    assert rates == pytest.approx([1e-6, 1e-6])
    constant, _ = train(tmp_path / "constant", "gan", SEEDS[:2])
    assert any(
        not torch.equal(a, b)
        for a, b in zip(weights(straight).values(), weights(constant).values(), strict=True)
    )
    folder = tmp_path / "stopped"
    with pytest.raises(TrainingInterrupted):
        train(folder, "gan", SEEDS[:2], config, stop=StopAt(13))
    resumed, _ = train_trials(Run(folder), points(), "gan", config, SEEDS[:2])
    for name, tensor in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor), name
