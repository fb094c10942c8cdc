"""Compiling graphs into callables."""

from theano.compile.debugmode import DebugMode
from theano.compile.function import function, pfunc
from theano.compile.function_module import Function, FunctionMaker, UnusedInputError
from theano.compile.io import In, Out, SymbolicInput, SymbolicOutput
from theano.compile.mode import (
    FAST_COMPILE,
    FAST_RUN,
    Mode,
    get_default_mode,
    get_mode,
    predefined_linkers,
    predefined_modes,
    predefined_optimizers,
    register_mode,
)
from theano.compile.nanguardmode import NanGuardMode
from theano.compile.ops import DeepCopyOp, FromFunctionOp, ViewOp, as_op, deep_copy_op, view_op
from theano.compile.profiling import ProfileStats
from theano.compile.sharedvalue import SharedVariable, shared, shared_constructor
