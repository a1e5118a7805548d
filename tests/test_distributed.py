"""Process groups: who writes, and the mean of a tensor over the processes."""

import torch
import torch.distributed as dist

from minimaxlab import distributed


def test_outside_a_process_group_this_process_is_the_only_one(monkeypatch):
    assert not distributed.launched()
    monkeypatch.setenv("WORLD_SIZE", "1")  # torchrun --nproc_per_node 1
    assert distributed.launched()
    monkeypatch.delenv("WORLD_SIZE")
    assert distributed.process_group() is None and distributed.is_main()
    values = torch.tensor([1.0, 3.0])
    assert distributed.mean_over_processes(values) is values


def test_in_a_group_of_one_the_mean_is_a_copy_of_the_tensor(tmp_path):
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        assert distributed.process_group() == (0, 1) and distributed.is_main()
        values = torch.tensor([1.0, 3.0])
        mean = distributed.mean_over_processes(values)
        assert torch.equal(mean, values) and mean is not values
    finally:
        dist.destroy_process_group()
    assert distributed.process_group() is None
