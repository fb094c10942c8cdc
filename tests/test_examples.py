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


def test_denoising_autoencoder_reconstruction_cost_falls(capsys, tmp_path):
    filters = tmp_path / "filters.png"
    epoch_costs, initial, final = load_example("dae").main(["--epochs", "2", "--hidden", "30",
                                                            "--filters", str(filters)])
    assert epoch_costs[-1] < epoch_costs[0]
    assert final < 0.5 * initial
    assert "test reconstruction cost" in capsys.readouterr().out
    assert png_size(filters) == (10 * 25 + 1, 3 * 25 + 1)  # 30 filters of 8x8 zoomed 3 times, 10 a row


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
def test_rbm_trains_with_scan_gibbs_chain(flags, capsys, tmp_path):
    samples = tmp_path / "samples.png"
    epoch_costs, initial, final = load_example("rbm").main(["--epochs", "2", *flags, "--samples", str(samples),
                                                            "--chains", "4", "--plot-every", "3"])
    if "--persistent" in flags:
        assert epoch_costs[-1] > epoch_costs[0]  # log pseudo-likelihood rises
    else:
        assert epoch_costs[-1] < epoch_costs[0]  # reconstruction cross-entropy falls
    assert final < 0.5 * initial
    assert "test reconstruction cross-entropy" in capsys.readouterr().out
    assert png_size(samples) == (4 * 25 + 1, 10 * 25 + 1)  # 4 chains of 10 rows of 8x8 images zoomed 3 times


def png_size(path) -> tuple[int, int]:
    """(width, height) read from a PNG file's IHDR chunk, after checking the signature and the chunk's CRC."""
    import struct
    import zlib

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and data.endswith(b"IEND\xaeB`\x82")
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])
    return struct.unpack(">II", data[16:24])


def test_tile_images_and_write_png_round_trip(tmp_path):
    import struct
    import zlib

    import numpy as np

    data = load_example("_data")
    rows = np.arange(3 * 4, dtype="float64").reshape(3, 4)  # three 2x2 images
    grid = data.tile_images(rows, side=2, columns=2, zoom=2)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1)
    np.testing.assert_array_equal(grid[1:5, 1:5], np.kron([[0, 85], [170, 255]], np.ones((2, 2))))  # own scaling
    assert not grid[6:10, 6:10].any() and not grid[0].any()  # the empty fourth cell and the border
    path = tmp_path / "grid.png"
    data.write_png(str(path), grid)
    assert png_size(path) == (11, 11)
    png = path.read_bytes()
    (idat_length,) = struct.unpack(">I", png[33:37])
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41:41 + idat_length])  # a filter byte (none), then each row's pixels
    assert raw == b"".join(b"\x00" + row.tobytes() for row in grid)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lenet", "sdae", "dae", "rbm"])
def test_tutorial_examples_full_size(name):
    result = load_example(name).main([])
    if name in ("lenet", "sdae"):
        assert result[-1] < 0.06  # test error; measured 1.1% (lenet), 3.0% (sdae) on scikit-learn's digits
    else:
        initial, final = result[1], result[2]
        assert final < 0.35 * initial  # reconstruction cost; measured 64.5 -> 17.2 (dae), -> 19.8 (rbm)
