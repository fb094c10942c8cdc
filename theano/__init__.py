"""theano: a compiler for mathematical expressions on arrays.

Declare typed symbolic variables, build expressions with a NumPy-like API, take symbolic
gradients, and compile them with :func:`theano.function`.
"""

__version__ = "1.0.0+new"

from theano.configdefaults import config  # noqa: E402
from theano.configparser import change_flags  # noqa: E402


from theano.graph.basic import Apply, Constant, Variable, clone_replace as clone  # noqa: E402
from theano.graph.fg import FunctionGraph  # noqa: E402
from theano.graph.op import Op  # noqa: E402
from theano.graph.type import Type  # noqa: E402
from theano import scalar  # noqa: E402
from theano import tensor  # noqa: E402
from theano.compile import (  # noqa: E402
    In,
    Mode,
    Out,
    SharedVariable,
    function,
    shared,
)
from theano.compile.function_module import Function  # noqa: E402
from theano.compile.builders import OpFromGraph  # noqa: E402
from theano.compile.ops import as_op  # noqa: E402
from theano.compile.profiling import ProfileStats  # noqa: E402
from theano.compile.io import SymbolicInput, SymbolicOutput  # noqa: E402
from theano.updates import OrderedUpdates  # noqa: E402
from theano import printing  # noqa: E402
from theano import ifelse as _ifelse_module  # noqa: E402,F401
from theano import gradient  # noqa: E402
from theano.gradient import Lop, Rop, grad  # noqa: E402
from theano import scan_module  # noqa: E402
from theano.scan_module import foldl, foldr, map, reduce, scan  # noqa: E402,A004
from theano import gof  # noqa: E402

pp = printing.pp if hasattr(printing, "pp") else None
dot = tensor.dot if hasattr(tensor, "dot") else None


def _asarray(a, dtype, order=None):
    """Theano 1.0's helper: ``numpy.asarray`` that returns exactly ``dtype``."""
    import numpy

    if str(dtype) == "floatX":
        dtype = config.floatX
    return numpy.asarray(a, dtype=dtype, order=order)
