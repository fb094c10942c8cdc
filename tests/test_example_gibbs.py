"""The Gibbs sampler example: its chains reach the RBM's exact distribution."""

import importlib.util
import os

import pytest

import theano

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "gibbs_sampler.py")


def load_example():
    spec = importlib.util.spec_from_file_location("example_gibbs_sampler", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not hasattr(theano, "scan"), reason="theano.scan is not available")
@pytest.mark.parametrize("rng", ["mrg", "numpy"])
def test_gibbs_chains_sample_the_exact_distribution(rng, capsys):
    total_variation, marginal_error = load_example().main(["--chains", "4000", "--steps", "20", "--rng", rng])
    # 4000 exact samples of these 256 states are about 0.07 from the distribution in total variation;
    # a marginal's standard error is below 0.008
    assert total_variation < 0.12
    assert marginal_error < 0.035
    assert "sampled marginals" in capsys.readouterr().out
