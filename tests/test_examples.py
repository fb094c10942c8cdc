"""The examples train: their cost falls and they end with a correct classifier."""

import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_logistic_regression_learns(capsys):
    costs, accuracy = load_example("logistic_regression").main(["--steps", "150", "--examples", "200",
                                                               "--features", "50"])
    assert costs[-1] < 0.5 * costs[0]
    assert accuracy > 0.9
    assert "training accuracy" in capsys.readouterr().out


def test_mlp_learns_digits_or_generated_data(capsys):
    mlp = load_example("mlp")
    test_error = mlp.main(["--epochs", "3", "--hidden", "64"])
    out = capsys.readouterr().out
    assert "epoch   1" in out and "test error" in out
    assert test_error < 0.3  # chance is 0.9


@pytest.mark.slow
def test_mlp_full_size():
    assert load_example("mlp").main(["--epochs", "10"]) < 0.1


def test_rnn_learns_delayed_copy_with_scan(capsys):
    costs, accuracy = load_example("rnn").main(["--epochs", "6"])
    assert costs[-1] < 0.5 * costs[0]
    assert accuracy > 0.9  # chance is 0.5
    out = capsys.readouterr().out
    assert "epoch   1" in out and "test accuracy" in out


def test_lenet_learns_digits_with_conv2d_and_pool_2d(capsys):
    valid_errors, test_error = load_example("lenet").main(["--epochs", "3"])
    assert valid_errors[-1] < valid_errors[0]
    assert test_error < 0.5  # chance is 0.9
    out = capsys.readouterr().out
    assert "epoch   3" in out and "test error" in out


def test_denoising_autoencoder_reconstruction_cost_falls(capsys):
    epoch_costs, initial, final = load_example("dae").main(["--epochs", "2"])
    assert epoch_costs[-1] < epoch_costs[0]
    assert final < 0.5 * initial
    assert "test reconstruction cost" in capsys.readouterr().out


def test_stacked_denoising_autoencoder_pretrains_then_classifies(capsys):
    pretrain_costs, valid_errors, test_error = load_example("sdae").main(
        ["--layers", "64", "64", "--pretrain-epochs", "2", "--finetune-epochs", "2"])
    assert len(pretrain_costs) == 2
    assert all(costs[-1] < costs[0] for costs in pretrain_costs)
    assert valid_errors[-1] < 0.3 and test_error < 0.3  # chance is 0.9
    out = capsys.readouterr().out
    assert "pretraining layer 1" in out and "fine-tuning epoch   2" in out and "test error" in out


@pytest.mark.parametrize("flags", [["--k", "1", "--rng", "numpy"], ["--persistent", "--k", "2", "--rng", "mrg"]],
                         ids=["cd1-numpy", "pcd2-mrg"])
def test_rbm_trains_with_scan_gibbs_chain(flags, capsys):
    epoch_costs, initial, final = load_example("rbm").main(["--epochs", "2", *flags])
    if "--persistent" in flags:
        assert epoch_costs[-1] > epoch_costs[0]  # log pseudo-likelihood rises
    else:
        assert epoch_costs[-1] < epoch_costs[0]  # reconstruction cross-entropy falls
    assert final < 0.5 * initial
    assert "test reconstruction cross-entropy" in capsys.readouterr().out
