"""Every op test under tests/tensor runs twice: on the Python VM and on the C backend."""

import pytest

import theano
from theano.link.c import compiler

BACKENDS = ["py", "c"]


@pytest.fixture(autouse=True, params=BACKENDS)
def backend(request):
    """The linker the test's functions use (modes that name no linker follow config.linker)."""
    if request.param == "c" and not compiler.have_compiler():
        pytest.skip("no C compiler")
    with theano.change_flags(linker="py" if request.param == "py" else "cvm"):
        yield request.param
