import pytest

import theano
from theano.link.c import cache, compiler


@pytest.fixture
def cache_dir(tmp_path):
    """A fresh compile cache in a temporary directory (never the user's)."""
    root = tmp_path / "compiledir"
    cache.forget_loaded_modules()
    with theano.change_flags(compiledir=str(root)):
        yield root
    cache.forget_loaded_modules()


@pytest.fixture
def needs_compiler():
    if not compiler.have_compiler():
        pytest.skip("no C compiler")
