"""The scan tests run on both backends: the Python VM and the C backend (the inner function
runs on the backend of the outer one)."""

import pytest

import theano
from theano.link.c import compiler


@pytest.fixture(params=["py", "c"])
def backend(request):
    """The linker of the test's functions, outer and inner."""
    if request.param == "c" and not compiler.have_compiler():
        pytest.skip("no C compiler")
    with theano.change_flags(linker="py" if request.param == "py" else "cvm"):
        yield request.param
