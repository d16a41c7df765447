"""catgan.ensembles: class probabilities of a trained classifier and the accuracy of their mean."""

import pytest
import torch
from torch import nn

from catgan.ensembles import EnsembleClassifier, class_probabilities, ensemble_accuracy


class _Fixed(nn.Module):
    """A 'classifier' whose logits are its input; records the mode it was called in."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.modes = []

    def classify(self, x):
        self.modes.append(self.training)
        return x * self.scale


def test_class_probabilities_are_the_softmax_in_eval_mode_and_the_mode_is_restored():
    model = _Fixed().train()
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, -1.0]])
    loader = [(logits[:2], torch.tensor([0, 1])), (logits[2:], torch.tensor([1]))]
    probs, labels = class_probabilities(model, loader)
    assert torch.allclose(probs, logits.softmax(dim=1)) and labels.tolist() == [0, 1, 1]
    assert model.modes == [False, False] and model.training  # evaluated without noise, then back to training
    with pytest.raises(TypeError, match="no classify"):
        class_probabilities(nn.Linear(2, 2), loader)


def test_the_ensemble_can_be_right_where_every_member_alone_is_wrong_on_some_example():
    labels = torch.tensor([0, 1])
    a = torch.tensor([[0.9, 0.1], [0.6, 0.4]])  # right, wrong
    b = torch.tensor([[0.4, 0.6], [0.1, 0.9]])  # wrong, right
    assert ensemble_accuracy([a], labels) == ensemble_accuracy([b], labels) == 0.5
    assert ensemble_accuracy([a, b], labels) == 1.0  # means (0.65, 0.35) and (0.35, 0.65)
    with pytest.raises(ValueError, match="same examples"):
        ensemble_accuracy([a, b[:1]], labels)


def test_ensemble_classifier_gives_the_mean_probabilities_and_sets_every_member_to_eval():
    a, b = _Fixed().train(), _Fixed().train()
    with torch.no_grad():
        b.scale.fill_(-2.0)  # b's logits: -2 x
    x = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, -1.0]])
    labels = torch.tensor([0, 1, 0])
    loader = [(x, labels)]
    ensemble = EnsembleClassifier([a, b])
    probs, _ = class_probabilities(ensemble, loader)
    by_hand = (x.softmax(dim=1) + (-2 * x).softmax(dim=1)) / 2  # (3, 2)
    assert torch.allclose(probs, by_hand, atol=1e-6)
    assert a.modes == [False] and b.modes == [False] and a.training and b.training  # eval while scored, restored
    assert torch.allclose(ensemble.classify(x).exp().sum(dim=1), torch.ones(3))  # log-probabilities
    members = [class_probabilities(m, loader)[0] for m in (a, b)]
    assert (probs.argmax(dim=1) == labels).float().mean().item() == ensemble_accuracy(members, labels)
    with pytest.raises(ValueError, match="at least one member"):
        EnsembleClassifier([])
    with pytest.raises(TypeError, match="no classify"):
        EnsembleClassifier([a, nn.Linear(2, 2)])


def test_from_checkpoints_refuses_checkpoints_of_different_tasks(run_cli, tmp_path):
    import os

    from tests.conftest import CONFIGS, fit_checkpoint

    digits = fit_checkpoint(
        run_cli, os.path.join(CONFIGS, "digits_catgan.yaml"), 1, "--trainer.limit_train_batches", "1"
    )
    moved = tmp_path / "digits.ckpt"
    os.replace(digits, moved)
    toy = fit_checkpoint(run_cli, os.path.join(CONFIGS, "toy_catgan.yaml"), 1, "--trainer.limit_train_batches", "1")
    ensemble = EnsembleClassifier.from_checkpoints([moved, moved])
    assert len(ensemble.members) == 2 and not ensemble.training
    x = torch.rand(4, 1, 8, 8)
    assert torch.allclose(ensemble.classify(x), ensemble.members[0].classify(x).log_softmax(dim=1), atol=1e-5)
    with pytest.raises(ValueError, match=r"different tasks \(image shape differs: .*digits.ckpt: \(1, 8, 8\); "):
        EnsembleClassifier.from_checkpoints([moved, toy])
