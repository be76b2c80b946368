"""Keeping the best dev snapshots of a run and ending with their average."""

import json

import torch
from safetensors.torch import load_file
from test_train import _setup

from multimodal.snapshots import SnapshotKeeper, average_states


def test_average_is_the_mean_of_floats_and_keeps_the_last_counter():
    a = {"w": torch.tensor([1.0, 2.0]), "n": torch.tensor(3)}
    b = {"w": torch.tensor([3.0, 6.0]), "n": torch.tensor(7)}
    mean = average_states([a, b])
    assert torch.equal(mean["w"], torch.tensor([2.0, 4.0]))
    assert mean["n"].item() == 7


def test_keeper_holds_the_best_n_across_processes(tmp_path):
    model = torch.nn.Linear(2, 2)
    keeper = SnapshotKeeper(tmp_path / "snaps", keep=2)
    for step, score in [(1, 5.0), (2, 1.0), (3, 7.0)]:
        keeper.offer(model, step, score)
    again = SnapshotKeeper(tmp_path / "snaps", keep=2)  # e.g. after a resume
    again.offer(model, 4, 6.0)  # beats 5.0, which is dropped
    again.offer(model, 5, 0.5)  # worse than both: not even written
    assert again.scores() == {"step0000003.safetensors": 7.0, "step0000004.safetensors": 6.0}
    files = sorted(p.name for p in (tmp_path / "snaps").glob("*.safetensors"))
    assert files == ["step0000003.safetensors", "step0000004.safetensors"]


def _run_with_scores(tmp_path, name, scores):
    """Evaluate every 2 steps with the given dev scores; the last is the average's."""
    scores = iter(scores)
    seen = []

    def evaluate(model):
        seen.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(scores)

    trainer = _setup(tmp_path, name, 8, evaluate, eval_every=2, average=3)
    result = trainer.fit()
    return trainer, result, seen


def test_a_better_average_is_what_the_run_ends_with(tmp_path):
    trainer, result, seen = _run_with_scores(tmp_path, "avg", [1.0, 4.0, 3.0, 2.0, 9.0])
    kept = [seen[1], seen[2], seen[3]]  # steps 4, 6, 8: the best three of 1, 4, 3, 2
    expected = average_states(kept)
    state = trainer.model.state_dict()
    assert all(torch.allclose(state[k].float(), expected[k].float()) for k in expected)
    assert result.averaged_score == 9.0 and result.best_score == 4.0
    on_disk = load_file(str(tmp_path / "avg" / "averaged.safetensors"))
    assert torch.allclose(on_disk["decoder.output.weight"], expected["decoder.output.weight"])
    log = [json.loads(line) for line in (tmp_path / "avg" / "log.jsonl").open()]
    assert {"step": 8, "averaged": 3, "dev_score": 9.0, "used": True} in log


def test_a_worse_average_leaves_the_best_weights(tmp_path):
    trainer, result, seen = _run_with_scores(tmp_path, "best", [1.0, 4.0, 3.0, 2.0, 0.5])
    state = trainer.model.state_dict()
    assert all(torch.equal(state[k], seen[1][k]) for k in state)  # step 4, the best
    assert result.averaged_score is None
    assert not (tmp_path / "best" / "averaged.safetensors").exists()
