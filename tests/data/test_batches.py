import pytest
import torch

from minimaxlab.data.batches import EpochShuffles, IndexStream


def test_each_pass_covers_every_index_once_and_passes_differ():
    stream = IndexStream(10, 5, seed=3, device="cpu")
    first = torch.cat([stream.batch(0), stream.batch(1)])
    second = torch.cat([stream.batch(2), stream.batch(3)])
    assert sorted(first.tolist()) == list(range(10)) == sorted(second.tolist())
    assert not torch.equal(first, second)


def test_a_batch_depends_only_on_the_seed_and_the_step():
    forward = IndexStream(7, 3, seed=1, device="cpu")
    seen = [forward.batch(step) for step in range(8)]
    backward = IndexStream(7, 3, seed=1, device="cpu")
    for step in reversed(range(8)):  # any order, as after a resume
        assert torch.equal(backward.batch(step), seen[step])
    assert not torch.equal(IndexStream(7, 3, seed=2, device="cpu").batch(0), seen[0])


def test_batches_straddle_passes_and_may_be_larger_than_the_data():
    stream = IndexStream(4, 3, seed=0, device="cpu")
    joined = torch.cat([stream.batch(s) for s in range(4)])  # 12 = three passes of 4
    for i in range(3):
        assert sorted(joined[4 * i : 4 * i + 4].tolist()) == [0, 1, 2, 3]
    big = IndexStream(3, 8, seed=0, device="cpu").batch(1)
    assert len(big) == 8 and set(big.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError):
        IndexStream(0, 3, seed=0, device="cpu")


def test_epoch_shuffles_are_successive_draws_of_one_generator_in_any_order():
    generator = torch.Generator().manual_seed(7)
    expected = [torch.randperm(6, generator=generator) for _ in range(4)]
    shuffles = EpochShuffles(6, seed=7, device="cpu")
    for epoch in (0, 1, 3, 2, 2, 0):  # forward, skipping ahead, back (as after a resume)
        assert torch.equal(shuffles.order(epoch), expected[epoch])
