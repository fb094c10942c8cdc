"""The native backend: C compiled at run time by the system compiler, kept in a content-addressed cache.

Today this package holds the compiler driver (:mod:`theano.link.c.compiler`) and the compile cache
(:mod:`theano.link.c.cache`); nothing else uses them yet.
"""

from theano.link.c.compiler import (
    CompileError,
    MissingCompilerError,
    compile_module,
    have_compiler,
)
