import json
import warnings

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from minimaxlab.errors import MinimaxlabError
from minimaxlab.gan import speed as speed_module
from minimaxlab.gan import trainer as trainer_module
from minimaxlab.gan.losses import make_loss
from minimaxlab.gan.speed import (
    SpeedConfig,
    UniformDropout,
    bf16_supported,
    resolve_speed,
    use_uniform_dropout,
)
from minimaxlab.gan.trainer import GanTrainConfig, GanTrainer, SamplesConfig
from minimaxlab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from minimaxlab.models.mlp import MLPDiscriminator, MLPGenerator
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run
from tests.conftest import tiny_images
from tests.gan.test_trainer import assert_bitwise_equal, full_state

CPU = torch.device("cpu")
# The plain loop's arithmetic: float32, eager, torch's own dropout masks.
FLOAT32 = SpeedConfig(precision="float32", compile="off", uniform_dropout="off")
needs_bf16 = pytest.mark.skipif(not bf16_supported(CPU), reason="this CPU has no native bf16")


def make_trainer(
    folder, data, models=(DCGANGenerator, DCGANDiscriminator), batch_size=8, mkdir=True, **kw
):
    config = GanTrainConfig(epochs=1, batch_size=batch_size, log_every=1, **kw)
    samples = SamplesConfig(grid_size=1, grid_epochs=[], gif=False)
    if mkdir:
        folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    generator, discriminator = models[0](), models[1]()
    return GanTrainer(
        generator, discriminator, data, config, samples, Run(folder), seed=0, progress=False
    )


def logged(folder, key):
    return [json.loads(line)[key] for line in (folder / "metrics.jsonl").open()]


def plain_loop_losses(data, steps, batch_size=8):
    """The course-style loop, eager float32, fed the batches and noise the trainer draws."""
    torch.manual_seed(0)
    generator, discriminator = DCGANGenerator(), DCGANDiscriminator()
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-4)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-4)
    loss = make_loss("non-saturating")
    order = torch.randperm(
        len(data), generator=torch.Generator().manual_seed(derived_seed(0, 3, 0))
    )
    noise = torch.Generator().manual_seed(derived_seed(0, 2))
    losses = []
    for step in range(steps):
        real = data.images[order[step * batch_size :][:batch_size]].float() / 127.5 - 1
        fake = generator(torch.randn(batch_size, 100, generator=noise))
        d_loss, _, _ = loss.discriminator_loss(discriminator, real, fake.detach())
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        discriminator.requires_grad_(False)
        g_loss = loss.generator_loss(discriminator, fake)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        discriminator.requires_grad_(True)
        losses.append((d_loss.item(), g_loss.item()))
    return losses


def test_the_fast_path_in_float32_gives_the_plain_loops_losses(tmp_path):
    data = tiny_images(32)
    trainer = make_trainer(tmp_path, data, speed=FLOAT32)
    assert not trainer.speed.channels_last  # auto: CUDA only
    trainer.train()
    fast = logged(tmp_path, "d_loss") + logged(tmp_path, "g_loss")
    reference = [pair[k] for k in (0, 1) for pair in plain_loop_losses(data, steps=4)]
    assert len(fast) == 8
    # oneDNN may round a new memory layout's first pass differently: a tolerance, not equality.
    assert fast == pytest.approx(reference, rel=1e-4, abs=1e-5)


def test_auto_resolves_per_device_and_keeps_float32_for_precise_losses():
    auto = SpeedConfig()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        speed = resolve_speed(auto, CPU)
        assert speed.precision == ("bf16" if bf16_supported(CPU) else "float32")
        assert not (speed.compile or speed.cuda_graphs or speed.channels_last)  # auto: CUDA
        assert resolve_speed(auto, CPU, keep_float32=True).precision == "float32"
        torch.set_num_threads(2)  # measured faster at two threads too, on an idle machine
        assert resolve_speed(auto, CPU).precision == ("bf16" if bf16_supported(CPU) else "float32")
    finally:
        torch.set_num_threads(threads)
    assert resolve_speed(SpeedConfig(compile="on"), CPU).compile
    with pytest.raises(MinimaxlabError, match="cuda_graphs"):
        resolve_speed(SpeedConfig(cuda_graphs="on"), CPU)


def test_precise_losses_train_in_float32(tmp_path):
    trainer = make_trainer(tmp_path, tiny_images(16), loss="wgan-gp")
    assert trainer.speed.precision == "float32"
    trainer = make_trainer(tmp_path, tiny_images(16), smoothness_weight=1.0)
    assert trainer.speed.precision == "float32"


@needs_bf16
@pytest.mark.parametrize("precision,dtype", [("bf16", torch.bfloat16), ("float32", torch.float32)])
def test_the_precision_switch_sets_the_dtype_inside_the_step(tmp_path, precision, dtype):
    trainer = make_trainer(tmp_path, tiny_images(16), speed=SpeedConfig(precision=precision))
    seen = []
    trainer.discriminator.classify.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    summary = trainer.train(max_steps=1)
    assert summary["speed"]["precision"] == precision
    assert seen and set(seen) == {dtype}
    assert trainer.generator.project[0].weight.dtype == torch.float32  # weights stay float32
    assert logged(tmp_path, "d_loss")  # losses were logged (computed in float32)


@needs_bf16
def test_bf16_losses_track_float32(tmp_path):
    data = tiny_images(96)
    runs = {}
    for precision in ("float32", "bf16"):
        folder = tmp_path / precision
        make_trainer(folder, data, speed=SpeedConfig(precision=precision)).train()
        runs[precision] = logged(folder, "d_loss") + logged(folder, "g_loss")
    assert len(runs["bf16"]) == 24
    assert runs["bf16"] == pytest.approx(runs["float32"], abs=0.05)


class Compiled(torch.nn.Module):
    """Stands in for torch.compile's wrapper: counts calls, optionally fails like a compiler."""

    calls = 0

    def __init__(self, model, fail):
        super().__init__()
        self.model, self.fail = model, fail

    def forward(self, x):
        if self.fail:
            raise RuntimeError("backend compiler failed\nlong traceback")
        Compiled.calls += 1
        return self.model(x)


@pytest.mark.parametrize("fail", [False, True])
def test_the_compile_switch_is_honoured_and_a_failure_falls_back_to_eager(
    tmp_path, monkeypatch, fail
):
    monkeypatch.setattr(trainer_module, "compile_model", lambda m, s: Compiled(m, fail))
    monkeypatch.setattr(speed_module, "_warned", set())
    Compiled.calls = 0
    data = tiny_images(32)
    eager = make_trainer(tmp_path / "eager", data, speed=FLOAT32)
    eager.train()
    compiled_speed = FLOAT32.model_copy(update={"compile": "on"})
    compiled = make_trainer(tmp_path / "compiled", data, speed=compiled_speed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = compiled.train()
    messages = [str(w.message) for w in caught if "torch.compile" in str(w.message)]
    assert summary["speed"]["compile"] is not fail
    assert (Compiled.calls > 0) is not fail
    assert len(messages) == int(fail)
    if fail:
        assert "\n" not in messages[0] and "training eagerly" in messages[0]
    # A failed first step is undone: the run equals an eager one.
    assert_bitwise_equal(full_state(eager), full_state(compiled))


def _train_rank(rank, world, store, folder, result):
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    torch.set_num_threads(1)
    try:
        trainer = make_trainer(
            folder / f"rank{rank}",
            tiny_images(64),
            mkdir=rank == 0,
            models=(MLPGenerator, MLPDiscriminator),
            batch_size=16,
            speed=FLOAT32,
        )
        summary = trainer.train()
        if rank == 0:
            torch.save({"state": full_state(trainer), "summary": summary}, result)
        dist.barrier()  # neither rank tears gloo down while the other may still use it
    finally:
        dist.destroy_process_group()


def test_two_processes_train_the_weights_of_one_with_the_same_global_batch(tmp_path):
    single = make_trainer(
        tmp_path / "single",
        tiny_images(64),
        models=(MLPGenerator, MLPDiscriminator),
        batch_size=16,
        speed=FLOAT32,
    )
    single.train()
    result = tmp_path / "rank0.pt"
    mp.spawn(_train_rank, args=(2, tmp_path / "store", tmp_path, result), nprocs=2)
    parallel = torch.load(result)
    assert parallel["summary"]["processes"] == 2
    assert parallel["summary"]["steps"] == single.step == 4
    expected, got = full_state(single), parallel["state"]
    for part in ("generator", "discriminator"):
        for key, value in expected[part].items():
            torch.testing.assert_close(got[part][key], value, rtol=1e-5, atol=1e-6)
    assert (tmp_path / "rank0" / "checkpoint.pt").is_file()
    assert (tmp_path / "rank0" / "metrics.jsonl").is_file()
    assert not (tmp_path / "rank1").exists()  # only rank 0 writes


def test_the_channels_last_switch_converts_the_convolutions(tmp_path):
    speed = SpeedConfig(precision="float32", channels_last="on")
    trainer = make_trainer(tmp_path, tiny_images(16), speed=speed)
    weight = trainer.discriminator.features[3].weight  # 64 → 128 channels
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert not weight.is_contiguous()  # a real layout change, not a no-op
    summary = trainer.train()
    assert summary["speed"]["channels_last"] and summary["steps"] == 2


def test_a_run_records_the_speed_it_trained_with(tmp_path):
    from minimaxlab.launch import run_experiment

    tiny = ["data.limit=64", "train.batch_size=16", "train.epochs=1", "samples.grid_epochs=[1]"]
    tiny += ["evaluation.enabled=false", "train.speed.precision=float32"]
    with pytest.warns(UserWarning, match="training on digits"):
        run = run_experiment(
            "gan-mnist", profile="quick", overrides=tiny, device="cpu", out=tmp_path / "run"
        )
    summary = run.read_summary()
    assert summary["status"] == "finished" and summary["processes"] == 1
    assert summary["speed"] == {
        "precision": "float32",
        "channels_last": False,
        "compile": False,
        "cuda_graphs": False,
        "joint_discriminator": False,
        "optimizer": "for-loop",
        "lean_steps": True,
        "uniform_dropout": True,
    }
    assert (run.path / "report.html").is_file()


def test_torchrun_is_refused_for_experiments_that_do_not_train_data_parallel(monkeypatch):
    from minimaxlab.launch import run_experiment

    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(MinimaxlabError, match="does not train data-parallel"):
        run_experiment("dynamics", profile="quick", device="cpu")


MLP = (MLPGenerator, MLPDiscriminator)  # D without batch norm or dropout: joint is exact


def counted_calls(module):
    calls = []
    module.register_forward_hook(lambda m, i, out: calls.append(i[0].shape[0]))
    return calls


def test_switches_read_yaml_on_and_off_as_meant():
    from minimaxlab.config import apply_overrides

    data = apply_overrides({}, GanTrainConfig, ["speed.compile=off", "speed.lean_steps=on"])
    speed = GanTrainConfig.model_validate(data).speed
    assert (speed.compile, speed.lean_steps) == ("off", "on")


def test_auto_keeps_the_numbers_the_lab_was_made_with():
    speed = resolve_speed(SpeedConfig(), CPU)
    assert not speed.joint_discriminator and speed.lean_steps
    assert speed.optimizer == "for-loop" and speed.adam_options == {"foreach": False}
    assert resolve_speed(SpeedConfig(optimizer="fused"), CPU).adam_options == {"fused": True}


def test_one_discriminator_forward_over_real_and_fake_is_the_same_step(tmp_path):
    data = tiny_images(32)
    runs, calls = {}, {}
    for joint in ("off", "on"):
        speed = SpeedConfig(precision="float32", joint_discriminator=joint)
        trainer = make_trainer(tmp_path / joint, data, models=MLP, speed=speed)
        assert trainer.speed.joint_discriminator is (joint == "on")
        calls[joint] = counted_calls(trainer.discriminator)
        trainer.train()
        runs[joint] = full_state(trainer)
    assert calls["off"][:3] == [8, 8, 8]  # real, fake, then G's update
    assert calls["on"][:2] == [16, 8]  # real and fake at once, then G's update
    assert len(calls["on"]) == 2 * 4 and len(calls["off"]) == 3 * 4
    for part in ("generator", "discriminator"):
        for key, value in runs["off"][part].items():
            torch.testing.assert_close(runs["on"][part][key], value, rtol=1e-5, atol=1e-6)


def test_joint_discriminator_is_refused_when_d_has_batch_norm(tmp_path):
    assert trainer_module.has_batch_norm(DCGANGenerator())
    assert not trainer_module.has_batch_norm(DCGANDiscriminator())
    with pytest.raises(MinimaxlabError, match="joint_discriminator=on.*batch norm"):
        make_trainer(
            tmp_path,
            tiny_images(16),
            models=(MLPGenerator, DCGANGenerator),  # a "D" with batch norm
            speed=SpeedConfig(joint_discriminator="on"),
        )


@pytest.mark.parametrize("optimizer", ["fused", "foreach"])
def test_fused_and_foreach_adam_train_the_for_loop_weights_and_resume_exactly(tmp_path, optimizer):
    data = tiny_images(40)
    reference = make_trainer(tmp_path / "for-loop", data, models=MLP, speed=FLOAT32)
    reference.train()
    speed = SpeedConfig(precision="float32", optimizer=optimizer)
    straight = make_trainer(tmp_path / "straight", data, models=MLP, speed=speed)
    assert straight.generator_optimizer.param_groups[0][optimizer] is True
    straight.train()
    for part in ("generator", "discriminator"):
        for key, value in full_state(reference)[part].items():
            torch.testing.assert_close(full_state(straight)[part][key], value)
    stopped = make_trainer(tmp_path / "stopped", data, models=MLP, speed=speed)
    stopped.train(max_steps=2)
    resumed = make_trainer(tmp_path / "stopped", data, models=MLP, speed=speed)
    resumed.load_state_dict(Run(tmp_path / "stopped").load_checkpoint())
    resumed.train()
    assert_bitwise_equal(full_state(straight), full_state(resumed))


@pytest.mark.parametrize("lean", ["on", "off"])
def test_lean_steps_move_the_bar_in_batches_and_change_no_number(tmp_path, monkeypatch, lean):
    advances = []
    original = trainer_module.Progress.update

    def update(self, task, advance=None, **fields):
        if advance is not None:
            advances.append(advance)
        return original(self, task, advance=advance, **fields)

    monkeypatch.setattr(trainer_module.Progress, "update", update)
    monkeypatch.setattr(trainer_module, "PROGRESS_EVERY_S", 3600.0)
    data = tiny_images(32)  # 4 steps of 8: one epoch
    speed = FLOAT32.model_copy(update={"lean_steps": lean})
    trainer = make_trainer(tmp_path / lean, data, speed=speed)
    trainer.config.log_every = 100
    trainer.train()
    assert sum(advances) == 4
    assert [a for a in advances if a] == ([4] if lean == "on" else [1, 1, 1, 1])
    plain = make_trainer(tmp_path / "plain", data, speed=FLOAT32)
    plain.config.log_every = 100
    plain.train()
    assert_bitwise_equal(full_state(plain), full_state(trainer))


def test_uniform_dropout_keeps_each_unit_with_probability_one_minus_p_and_rescales():
    layer = UniformDropout(0.3)
    x = torch.ones(200_000)
    torch.manual_seed(0)
    y = layer(x)
    kept = y != 0
    assert abs(float(kept.float().mean()) - 0.7) < 0.005  # about 5 s.e. of a Bernoulli(0.7) mean
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.7))
    assert torch.equal(layer.eval()(x), x)
    assert torch.equal(UniformDropout(1.0)(x), torch.zeros_like(x))
    assert torch.equal(UniformDropout(0.0)(x), x)


def test_uniform_dropout_is_auto_on_the_cpu_and_replaces_only_plain_dropout(tmp_path):
    assert resolve_speed(SpeedConfig(), CPU).uniform_dropout
    data = tiny_images(16)
    reference = DCGANDiscriminator().state_dict().keys()
    on = make_trainer(tmp_path / "on", data)
    dropouts = [m for m in on.discriminator.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts and all(type(m) is UniformDropout for m in dropouts)
    assert on.discriminator.state_dict().keys() == reference  # checkpoints are unchanged
    off = make_trainer(tmp_path / "off", data, speed=FLOAT32)
    assert not any(isinstance(m, UniformDropout) for m in off.discriminator.modules())
    model = torch.nn.Sequential(torch.nn.Dropout2d(0.5), torch.nn.Dropout(0.25))
    use_uniform_dropout(model)
    assert type(model[0]) is torch.nn.Dropout2d and type(model[1]) is UniformDropout
    assert model[1].p == 0.25
