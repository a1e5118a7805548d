import json
import os

import pytest
import torch

from minimaxlab.atomic import atomic_path, atomic_write_text
from minimaxlab.errors import MinimaxlabError
from minimaxlab.runs import LOCK_FILE, Run, writes_into_run
from tests.helpers import held_by_another_process


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "summary.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["summary.json"]  # no temporary file left behind


def test_create_names_folders_by_experiment_and_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first, second = Run.create("dcgan-fashion"), Run.create("dcgan-fashion")
    assert (
        first.path.parent == second.path.parent == tmp_path.joinpath("runs").relative_to(tmp_path)
    )
    assert first.path.name.startswith("dcgan-fashion-") and first.path != second.path


def test_create_refuses_a_folder_with_content(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(MinimaxlabError, match="already exists and is not empty"):
        Run.create("x", tmp_path)


def test_open_checks_that_it_is_a_run(tmp_path):
    with pytest.raises(MinimaxlabError, match="does not exist"):
        Run.open(tmp_path / "nowhere")
    with pytest.raises(MinimaxlabError, match="no config.yaml"):
        Run.open(tmp_path)


def test_metrics_survive_a_torn_line_and_are_truncated_on_resume(tmp_path):
    run = Run.create("x", tmp_path / "run")
    for step in (1, 2, 3):
        run.log_metrics({"step": step, "loss": float(step), "bad": float("nan")})
    with open(run.metrics_path, "a") as f:
        f.write('{"step": 4, "lo')  # killed mid-line
    records = list(run.metrics())
    assert [r["step"] for r in records] == [1, 2, 3]
    assert records[0]["bad"] is None  # NaN is written as null: every line stays valid JSON
    run.truncate_metrics(2)
    assert [r["step"] for r in run.metrics()] == [1, 2]


def test_drop_metrics_removes_only_the_chosen_records(tmp_path):
    run = Run.create("x", tmp_path / "run")
    for step in (1, 2, 3):
        run.log_metrics({"step": step, "a": 1.0})
        run.log_metrics({"step": step, "b": 2.0})
    run.drop_metrics(lambda r: "a" in r and r["step"] > 1)
    assert [(r["step"], sorted(r)[0]) for r in run.metrics()] == [
        (1, "a"),
        (1, "b"),
        (2, "b"),
        (3, "b"),
    ]


def test_checkpoints_round_trip_and_damage_is_reported(tmp_path):
    run = Run.create("x", tmp_path / "run")
    with pytest.raises(MinimaxlabError, match="no checkpoint.pt"):
        run.load_checkpoint()
    run.save_checkpoint({"step": 7, "weights": torch.arange(3)})
    state = run.load_checkpoint()
    assert state["step"] == 7 and torch.equal(state["weights"], torch.arange(3))
    run.checkpoint_path.write_bytes(run.checkpoint_path.read_bytes()[:20])
    with pytest.raises(MinimaxlabError, match="damaged"):
        run.load_checkpoint()


def test_summary_and_config_are_readable(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x", "seed": 1})
    run.write_summary({"loss": 0.5, "inf": float("inf")})
    assert run.read_config()["seed"] == 1
    assert json.loads(run.summary_path.read_text()) == {"loss": 0.5, "inf": None}


def test_damaged_run_files_are_one_line_errors_that_name_them(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.config_path.write_text("experiment: [x\n")
    with pytest.raises(MinimaxlabError, match=r"cannot read .*config\.yaml \(.*Error\); repair"):
        run.read_config()
    run.config_path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(MinimaxlabError, match=r"cannot read .*config\.yaml"):
        run.read_config()
    run.config_path.write_text("experiment: [x]\n")
    with pytest.raises(MinimaxlabError, match="is not a minimaxlab config"):
        run.read_config()
    for path in (run.env_path, run.summary_path):
        path.write_text('{"torn": ')
        with pytest.raises(
            MinimaxlabError, match=rf"cannot read .*{path.name} \(JSONDecodeError\)"
        ):
            run.read_json(path)
    run.metrics_path.write_bytes(b'{"step": 1}\n\xff\xff\n')
    with pytest.raises(MinimaxlabError, match=r"cannot read .*metrics\.jsonl"):
        list(run.metrics())
    run.metrics_path.write_text('{"step": 1}\n[1, 2]\n{"step": 2}\n')
    with pytest.raises(MinimaxlabError, match=r"metrics\.jsonl line 2 is not a metrics record"):
        list(run.metrics())


def test_a_line_torn_by_a_kill_stays_skipped_after_a_resume_appends_to_it(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.log_metrics({"step": 1})
    with open(run.metrics_path, "a") as f:
        f.write('{"step": 2, "lo')  # killed mid-line; the resumed run appends to it
    run.log_metrics({"step": 2})
    run.log_metrics({"step": 3})
    assert [r["step"] for r in run.metrics()] == [1, 3]


def test_the_summary_is_merged_into(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_summary({"status": "interrupted", "evaluation": {"n": 10}})
    run.add_to_summary(status="finished", steps=4)
    assert run.read_summary() == {"status": "finished", "evaluation": {"n": 10}, "steps": 4}


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    run = Run.create("x", tmp_path / "run")
    with (
        run.lock(),
        pytest.raises(
            MinimaxlabError, match=f"in use by another minimaxlab process \\(pid {os.getpid()}\\)"
        ),
        Run(run.path).lock(),
    ):
        pass
    with run.lock():  # released when the holder lets go
        pass


def test_a_command_that_writes_into_a_run_waits_for_no_one_and_is_refused_while_held(tmp_path):
    run = Run.create("x", tmp_path / "run")
    run.write_config({"experiment": "x"})
    calls = []
    record = writes_into_run(lambda run_dir, value: calls.append(value) or value)
    with (
        held_by_another_process(run.path / LOCK_FILE) as pid,
        pytest.raises(MinimaxlabError, match=f"in use by .* \\(pid {pid}\\)"),
    ):
        record(run.path, 1)
    assert record(run.path, 2) == 2 and calls == [2]  # free again once the holder is gone
    with run.lock():  # this process's own hold (the launcher evaluating after training)
        assert record(run.path, 3) == 3 and calls == [2, 3]


def test_metrics_are_not_appended_through_a_link(tmp_path):
    run = Run.create("x", tmp_path / "run")
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep\n")
    run.metrics_path.symlink_to(target)
    with pytest.raises(MinimaxlabError, match="metrics.jsonl"):
        run.log_metrics({"step": 1})
    assert target.read_text() == "keep\n"
