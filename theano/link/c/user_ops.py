"""Kernels for user ops that define Theano 1.0's C hooks (``c_code``, ``c_support_code``, ...).

An op whose class overrides :meth:`Op.c_code <theano.graph.op.Op.c_code>` gets one kernel per
node, written against the Python and NumPy C APIs (a ``pyapi`` :class:`~theano.link.c.kernels.Kernel`,
run by ``run_pyapi_step`` in runtime.c) and compiled as C++ like Theano's, so code users wrote
for Theano compiles unchanged. The kernel is a function
``int name(PyObject **inputs, PyObject **outputs)`` that

1. declares one C variable per input and output, as Theano's types did: for a
   :class:`~theano.tensor.type.TensorType` a ``PyArrayObject *V`` with ``typedef npy_<dtype>
   dtype_V`` and ``int type_num_V``; for a :class:`~theano.scalar.type.ScalarType` a plain
   ``npy_<dtype> V`` with ``typedef npy_<dtype> V_dtype``; for :class:`~theano.graph.type.Generic`
   a ``PyObject *V``; a user Type brings its own ``c_declare``/``c_init``/``c_extract``/
   ``c_sync``/``c_cleanup``;
2. extracts the inputs (checking the dtype and number of dimensions), and sets each output
   variable to the output's previous value when the op may reuse it (an array of the right
   type that nobody else holds), else NULL;
3. runs the op's ``c_code`` in its own block, then its ``c_code_cleanup`` (also after a
   failure), and on success checks the outputs and stores them.

``sub['fail']`` jumps to the cleanup and makes the step fail with the Python exception the code
set (the linker adds the node's report). ``c_support_code``/``c_support_code_apply`` go at file
scope, ``c_init_code``/``c_init_code_apply`` run once before the first call, ``c_headers``
become ``#include`` lines, and ``c_header_dirs``/``c_lib_dirs``/``c_libraries``/
``c_compile_args`` become compiler flags (part of the compile cache key). Ops with params
(``params_type``/``get_params``) and ops whose ``c_code`` raises ``MethodNotDefined`` for a node
run their Python ``perform``. C code is cached by its source, so ``c_code_cache_version`` only
matters for code depending on files outside it; it is written in a comment of the source.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.type import Generic
from theano.graph.utils import MethodNotDefined
from theano.link.c import compiler
from theano.link.c.cache import get_module
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.scalar.type import ScalarType
from theano.tensor.type import TensorType

__all__ = ["defines_c_code", "user_op_kernel"]

# the name given to c_code and the *_apply hooks: one node per compiled object, so it is unique
NODE_NAME = "node_0"
FAIL_LABEL = "th_op_done"


class Unsupported(Exception):
    """The node's C code cannot be built here; it runs its Python ``perform``."""


def defines_c_code(op: Op) -> bool:
    """Whether ``op`` has C code of its own: its class (or the instance) overrides ``Op.c_code``."""
    return "c_code" in vars(op) or getattr(type(op), "c_code", Op.c_code) is not Op.c_code


def _c_string(text: str) -> str:
    """``text`` as a C string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("%", "%%")
    return f'"{escaped}"'


def _indent(code: str, prefix: str = "    ") -> str:
    """Our generated ``code`` indented by ``prefix`` (the user's code is pasted as written: a
    string literal continued over lines would change if its lines were indented)."""
    return "\n".join(prefix + line if line.strip() else "" for line in code.strip("\n").splitlines())


def _verbatim(code: str) -> str:
    return code.strip("\n")


def _call_hook(owner, hook: str, *args):
    """``owner.<hook>(*args)``; Theano's later hooks also took a ``c_compiler`` argument."""
    method = getattr(owner, hook, None)
    if method is None:
        return None
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        parameters = {}
    if "c_compiler" in parameters:
        return method(*args, c_compiler=None)
    return method(*args)


def _strings(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


# -- the C interface of each type -----------------------------------------------------------------


class _CVariable:
    """The C hooks of one input or output variable, in Theano's form: code reading ``py_<name>``
    (a new reference to the Python value) into ``<name>`` and writing it back."""

    def __init__(self, var, name: str, position: str, op_label: str):
        self.var = var
        self.type = var.type
        self.name = name
        self.position = position  # "input 0", "output 1": for error messages
        self.op_label = op_label

    def message(self, text: str) -> str:
        """A C format string (for ``PyErr_Format``) naming the op and this variable."""
        label = _c_string(f"{self.op_label}: {self.position} ({self.type}) ")
        return label[:-1] + text + '"'

    def headers(self) -> list[str]:
        return []

    def support_code(self) -> str:
        return ""

    def layout(self, code: str, prefix: str) -> str:
        """Our code for this variable, indented."""
        return _indent(code, prefix)

    def declare(self) -> str:
        raise NotImplementedError

    def init(self) -> str:
        raise NotImplementedError

    def extract(self, fail: str) -> str:
        raise NotImplementedError

    def extract_out(self, fail: str) -> str:
        """The previous value of an output (``py_<name>``, maybe None) into ``<name>``."""
        return f"if (py_{self.name} == Py_None) {{\n{_indent(self.init())}\n}} else {{\n" \
               f"{_indent(self.extract(fail))}\n}}"

    def sync(self, fail: str) -> str:
        """Leave in ``py_<name>`` a new reference to the value of ``<name>``."""
        raise NotImplementedError

    def cleanup(self) -> str:
        return ""


class _TensorVariable(_CVariable):
    def __init__(self, *args):
        super().__init__(*args)
        self.dtype = self.type.dtype
        self.ctype = f"npy_{self.dtype}"
        self.typenum = f"NPY_{self.dtype.upper()}"
        self.ndim = self.type.ndim

    def declare(self) -> str:
        n = self.name
        return f"PyArrayObject *{n} = NULL;\nint type_num_{n} = {self.typenum};\ntypedef {self.ctype} dtype_{n};"

    def init(self) -> str:
        return f"{self.name} = NULL;"

    def extract(self, fail: str) -> str:
        py = f"py_{self.name}"
        array = f"((PyArrayObject *){py})"
        return "\n".join([
            f"if (!PyArray_Check({py})) {{",
            f"    PyErr_Format(PyExc_TypeError, {self.message('expects a numpy.ndarray, got %s')}, "
            f"Py_TYPE({py})->tp_name);",
            f"    {fail}",
            "}",
            f"if (!PyArray_EquivTypenums(PyArray_TYPE({array}), {self.typenum}) || "
            f"PyArray_NDIM({array}) != {self.ndim}) {{",
            f"    PyErr_Format(PyExc_TypeError, {self.message('got an array of type number %d with %d dimensions')}, "
            f"PyArray_TYPE({array}), PyArray_NDIM({array}));",
            f"    {fail}",
            "}",
            f"if (!PyArray_ISALIGNED({array})) {{",
            f"    PyErr_Format(PyExc_ValueError, {self.message('got an unaligned array')});",
            f"    {fail}",
            "}",
            f"{self.name} = {array};",
            f"Py_INCREF({self.name});",
        ])

    def extract_out(self, fail: str) -> str:
        # reused only when the op's last result is held by nothing but its cell (and py_<name>)
        py = f"py_{self.name}"
        array = f"((PyArrayObject *){py})"
        return "\n".join([
            f"if (PyArray_CheckExact({py}) && Py_REFCNT({py}) == 2",
            f"        && PyArray_EquivTypenums(PyArray_TYPE({array}), {self.typenum})",
            f"        && PyArray_NDIM({array}) == {self.ndim} && PyArray_BASE({array}) == NULL",
            f"        && PyArray_CHKFLAGS({array}, NPY_ARRAY_OWNDATA | NPY_ARRAY_ALIGNED | NPY_ARRAY_WRITEABLE)) {{",
            f"    {self.name} = {array};",
            f"    Py_INCREF({self.name});",
            "}",
        ])

    def sync(self, fail: str) -> str:
        n = self.name
        lines = [
            f"if ({n} == NULL) {{",
            f"    PyErr_Format(PyExc_RuntimeError, {self.message('was left NULL by the C code')});",
            f"    {fail}",
            "}",
            f"if (!PyArray_EquivTypenums(PyArray_TYPE({n}), {self.typenum}) || PyArray_NDIM({n}) != {self.ndim}) {{",
            f"    PyErr_Format(PyExc_TypeError, "
            f"{self.message('was computed by the C code as an array of type number %d with %d dimensions')}, "
            f"PyArray_TYPE({n}), PyArray_NDIM({n}));",
            f"    {fail}",
            "}",
        ]
        for axis, broadcastable in enumerate(self.type.broadcastable):
            if broadcastable:
                lines += [
                    f"if (PyArray_DIMS({n})[{axis}] != 1) {{",
                    f"    PyErr_Format(PyExc_ValueError, "
                    f"{self.message(f'has length %lld along its broadcastable axis {axis}')}, "
                    f"(long long)PyArray_DIMS({n})[{axis}]);",
                    f"    {fail}",
                    "}",
                ]
        lines += [f"Py_XDECREF(py_{n});", f"py_{n} = (PyObject *){n};", f"Py_INCREF(py_{n});"]
        return "\n".join(lines)

    def cleanup(self) -> str:
        return f"Py_XDECREF({self.name});"


class _ScalarVariable(_CVariable):
    def __init__(self, *args):
        super().__init__(*args)
        self.dtype = self.type.dtype
        self.ctype = f"npy_{self.dtype}"
        self.typenum = f"NPY_{self.dtype.upper()}"

    def declare(self) -> str:
        n = self.name
        return f"{self.ctype} {n};\nmemset(&{n}, 0, sizeof {n});\ntypedef {self.ctype} {n}_dtype;\n" \
               f"typedef {self.ctype} dtype_{n};"

    def init(self) -> str:
        return f"memset(&{self.name}, 0, sizeof {self.name});"

    def extract(self, fail: str) -> str:
        py = f"py_{self.name}"
        return "\n".join([
            "int th_exact = 0;",
            f"if (PyArray_IsScalar({py}, Generic)) {{",
            f"    PyArray_Descr *th_descr = PyArray_DescrFromScalar({py});",
            "    if (th_descr == NULL) {",
            f"        {fail}",
            "    }",
            f"    th_exact = PyArray_EquivTypenums(th_descr->type_num, {self.typenum});",
            "    Py_DECREF(th_descr);",
            "}",
            "if (th_exact) {",
            f"    PyArray_ScalarAsCtype({py}, &{self.name});",
            "} else {",
            "    /* a 0-d array or another number: converted when no information is lost */",
            f"    PyArrayObject *th_value = (PyArrayObject *)PyArray_FromAny({py}, "
            f"PyArray_DescrFromType({self.typenum}), 0, 0, NPY_ARRAY_CARRAY, NULL);",
            "    if (th_value == NULL) {",
            f"        {fail}",
            "    }",
            "    if (PyArray_NDIM(th_value) != 0) {",
            "        Py_DECREF(th_value);",
            f"        PyErr_Format(PyExc_TypeError, {self.message('expects a scalar')});",
            f"        {fail}",
            "    }",
            f"    memcpy(&{self.name}, PyArray_DATA(th_value), sizeof {self.name});",
            "    Py_DECREF(th_value);",
            "}",
        ])

    def extract_out(self, fail: str) -> str:
        return self.init()

    def sync(self, fail: str) -> str:
        n = self.name
        value = n if self.dtype != "bool" else "th_bool"
        lines = []
        if self.dtype == "bool":
            lines.append(f"npy_bool th_bool = {n} ? 1 : 0;")
        lines += [
            f"PyArray_Descr *th_descr = PyArray_DescrFromType({self.typenum});",
            "if (th_descr == NULL) {",
            f"    {fail}",
            "}",
            f"PyObject *th_scalar = PyArray_Scalar(&{value}, th_descr, NULL);",
            "Py_DECREF(th_descr);",
            "if (th_scalar == NULL) {",
            f"    {fail}",
            "}",
            f"Py_XDECREF(py_{n});",
            f"py_{n} = th_scalar;",
        ]
        return "\n".join(lines)


class _GenericVariable(_CVariable):
    def declare(self) -> str:
        return f"PyObject *{self.name} = NULL;"

    def init(self) -> str:
        return f"{self.name} = NULL;"

    def extract(self, fail: str) -> str:
        return f"{self.name} = py_{self.name};\nPy_INCREF({self.name});"

    def sync(self, fail: str) -> str:
        n = self.name
        return f"Py_XDECREF(py_{n});\npy_{n} = {n} ? {n} : Py_None;\nPy_INCREF(py_{n});"

    def cleanup(self) -> str:
        return f"Py_XDECREF({self.name});"


class _UserTypeVariable(_CVariable):
    """A Type with Theano's own C hooks (``c_declare``, ``c_extract``, ``c_sync``, ...)."""

    def sub(self, fail: str = "") -> dict:
        return {"fail": fail, "failure_var": "th_failed", "id": 0}

    def headers(self) -> list[str]:
        return _strings(_call_hook(self.type, "c_headers"))

    def layout(self, code: str, prefix: str) -> str:
        return _verbatim(code)

    def support_code(self) -> str:
        return _call_hook(self.type, "c_support_code") or ""

    def declare(self) -> str:
        return self.type.c_declare(self.name, self.sub())

    def init(self) -> str:
        return self.type.c_init(self.name, self.sub())

    def extract(self, fail: str) -> str:
        return self.type.c_extract(self.name, self.sub(fail))

    def sync(self, fail: str) -> str:
        return self.type.c_sync(self.name, self.sub(fail))

    def cleanup(self) -> str:
        method = getattr(self.type, "c_cleanup", None)
        return method(self.name, self.sub()) if method is not None else ""


def _c_variable(var, name: str, position: str, op_label: str) -> _CVariable:
    t = var.type
    if isinstance(t, TensorType):
        return _TensorVariable(var, name, position, op_label)
    if isinstance(t, ScalarType):
        return _ScalarVariable(var, name, position, op_label)
    if all(callable(getattr(t, hook, None)) for hook in ("c_declare", "c_init", "c_extract", "c_sync")):
        return _UserTypeVariable(var, name, position, op_label)
    if isinstance(t, Generic):
        return _GenericVariable(var, name, position, op_label)
    raise Unsupported(f"{position} has type {t}, which has no C interface")


# -- the kernel ---------------------------------------------------------------------------------------


def _include(header: str) -> str:
    header = header.strip()
    if header.startswith(("<", '"')):
        return f"#include {header}"
    return f"#include <{header}>"


def _flags(op: Op) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The compiler flags of the op's hooks: (before the source, after it)."""
    compile_flags = ["-x", "c++"]
    compile_flags += [f"-I{d}" for d in _strings(_call_hook(op, "c_header_dirs"))]
    compile_flags += _strings(_call_hook(op, "c_compile_args"))
    unwanted = set(_strings(_call_hook(op, "c_no_compile_args")))
    compile_flags = [flag for flag in compile_flags if flag not in unwanted]
    link_flags = []
    for directory in _strings(_call_hook(op, "c_lib_dirs")):
        link_flags += [f"-L{directory}", f"-Wl,-rpath,{directory}"]
    link_flags += [f"-l{lib}" for lib in _strings(_call_hook(op, "c_libraries"))]
    link_flags.append("-lstdc++")
    return tuple(compile_flags), tuple(link_flags)


def _has_params(node: Apply) -> bool:
    op = node.op
    if getattr(op, "params_type", None) is not None:
        return True
    return getattr(type(op), "get_params", Op.get_params) is not Op.get_params and op.get_params(node) is not None


def build_source(node: Apply) -> str:
    """The C++ source of ``node``'s kernel body (without the prelude and the exported entry point).

    Raises
    ------
    Unsupported
        When a variable's type has no C interface, or the op has params.
    MethodNotDefined
        When the op's ``c_code`` declines this node.
    """
    op = node.op
    op_label = f"{op} ({type(op).__name__})"
    if _has_params(node):
        raise Unsupported("ops with params (params_type/get_params) are not supported in C")
    inputs = [_c_variable(v, f"th_in{i}", f"input {i}", op_label) for i, v in enumerate(node.inputs)]
    outputs = [_c_variable(v, f"th_out{o}", f"output {o}", op_label) for o, v in enumerate(node.outputs)]
    fail = f"{{ th_failed = 1; goto {FAIL_LABEL}; }}"
    sub = {"fail": fail, "failure_var": "th_failed", "id": 0}
    in_names = [v.name for v in inputs]
    out_names = [v.name for v in outputs]
    code = op.c_code(node, NODE_NAME, in_names, out_names, dict(sub))
    cleanup = op.c_code_cleanup(node, NODE_NAME, in_names, out_names, dict(sub)) or ""
    try:
        version = op.c_code_cache_version_apply(node)
    except (AttributeError, MethodNotDefined):
        version = ()

    headers: list[str] = []
    for var in inputs + outputs:
        headers += var.headers()
    headers += _strings(_call_hook(op, "c_headers"))
    parts = [f"/* user op {op_label}: its C code (c_code_cache_version {tuple(version)!r}), compiled as C++ */"]
    for header in dict.fromkeys(headers):
        parts.append(_include(header))
    parts.append("#include <exception>\n")
    support = [var.support_code() for var in inputs + outputs]
    support += [_call_hook(op, "c_support_code") or "", _call_hook(op, "c_support_code_apply", node, NODE_NAME) or ""]
    for block in dict.fromkeys(s for s in support if s and s.strip()):
        parts.append(f"/* support code */\n{_verbatim(block)}\n")

    init = _strings(_call_hook(op, "c_init_code")) + _strings(_call_hook(op, "c_init_code_apply", node, NODE_NAME))
    parts.append("/* c_init_code: run once, before the first call */\nstatic int th_init_once(void) {")
    for block in init:
        parts.append(_verbatim(block))
    parts.append("    return PyErr_Occurred() ? -1 : 0;\n}\n")

    parts.append(_body(inputs, outputs, code, cleanup))
    return "\n".join(parts)


def _body(inputs: Sequence[_CVariable], outputs: Sequence[_CVariable], code: str, cleanup: str) -> str:
    """``th_run``: declare, extract, run the op's code and its cleanup, sync, then unwind."""
    variables = list(inputs) + list(outputs)
    lines = ["static int th_run(PyObject **th_inputs, PyObject **th_outputs) {", "    int th_failed = 0;"]
    for var in variables:
        lines.append(f"    /* {var.position}: {var.type} */")
        lines.append(f"    PyObject *py_{var.name} = NULL;")
        lines.append(var.layout(var.declare(), "    "))
    # setup k fails to th_unwind_{k+1}, which cleans variables k, k-1, ..., 0 (as in Theano, a
    # variable's cleanup must accept what its failed extraction left)
    for k, var in enumerate(variables):
        unwind = f"{{ th_failed = 1; goto th_unwind_{k + 1}; }}"
        lines.append("")
        if var in inputs:
            i = inputs.index(var)
            lines.append(f"    py_{var.name} = th_inputs[{i}];")
            lines.append(f"    Py_INCREF(py_{var.name});")
            setup = var.extract(unwind)
        else:
            o = outputs.index(var)
            lines.append(f"    py_{var.name} = th_outputs[{o}];  /* the previous value (or None) */")
            lines.append(f"    th_outputs[{o}] = NULL;")
            setup = var.extract_out(unwind)
        if setup.strip():
            lines += ["    {", var.layout(setup, "        "), "    }"]
    lines.append("")
    lines.append("    /* the op's c_code */")
    if cleanup.strip():
        # as in Theano, the code and its cleanup share a scope (the cleanup sees the code's variables)
        lines += ["    {", _verbatim(code), f"    {FAIL_LABEL}:;", "        /* c_code_cleanup */", _verbatim(cleanup),
                  "    }"]
    else:
        lines += ["    {", _verbatim(code), "    }", f"{FAIL_LABEL}:"]
    lines.append("    if (!th_failed) {")
    for o, var in enumerate(outputs):
        done = f"{{ th_failed = 1; goto th_unwind_{len(variables)}; }}"
        lines += ["        {", var.layout(var.sync(done), "            "), "        }",
                  f"        th_outputs[{o}] = py_{var.name};", f"        py_{var.name} = NULL;"]
    lines.append("    }")
    lines.append(f"th_unwind_{len(variables)}:")
    for k in reversed(range(len(variables))):
        var = variables[k]
        cleanup_code = var.cleanup()
        if cleanup_code.strip():
            lines += ["    {", var.layout(cleanup_code, "        "), "    }"]
        lines.append(f"    Py_XDECREF(py_{var.name});")
        if k:
            lines.append(f"th_unwind_{k}:")
    lines += ["    return th_failed ? -1 : 0;", "}"]
    return "\n".join(lines)


def _entry_point(name: str, op_label: str) -> str:
    exception = _c_string(f"{op_label}: C++ exception in the op's C code: ")
    return "\n".join([
        "",
        "/* the step's entry point (see run_pyapi_step in runtime.c) */",
        "static int th_initialized = 0;",
        f"TH_EXPORT int {name}(PyObject **inputs, PyObject **outputs) {{",
        "    try {",
        "        if (!th_initialized) {",
        "            if (th_init_once() != 0) return -1;",
        "            th_initialized = 1;",
        "        }",
        "        return th_run(inputs, outputs);",
        "    } catch (const std::exception &e) {",
        f"        PyErr_Format(PyExc_RuntimeError, {exception[:-1]}%s\", e.what());",
        "    } catch (...) {",
        f"        PyErr_Format(PyExc_RuntimeError, {exception[:-1]}(unknown)\");",
        "    }",
        "    return -1;",
        "}",
        "",
    ])


_warned: set = set()


def _warn(op: Op, reason: str) -> None:
    key = (type(op), reason)
    if key not in _warned:
        _warned.add(key)
        warnings.warn(f"theano: the C code of op {op} ({type(op).__name__}) is not used ({reason}); "
                      "its nodes run the Python perform", RuntimeWarning, stacklevel=4)


def _has_perform(op: Op) -> bool:
    return getattr(type(op), "perform", Op.perform) is not Op.perform


def make_kernel(node: Apply) -> Kernel:
    """The kernel of ``node`` (an op with ``c_code``), without compiling it.

    Raises
    ------
    Unsupported, MethodNotDefined
        As :func:`build_source`.
    """
    body = build_source(node)
    compile_flags, link_flags = _flags(node.op)
    op_label = f"{node.op} ({type(node.op).__name__})"
    name = symbol_name("th_user_op", "\n".join([body, *compile_flags, *link_flags]))
    return Kernel(name=name, source=body + _entry_point(name, op_label), pyapi=True,
                  compile_flags=compile_flags, link_flags=link_flags)


@register_kernel(Op)
def user_op_kernel(node: Apply) -> Kernel | None:
    """The kernel of a node whose op defines ``c_code`` (compiled here, so that C code which does
    not compile only sends its own nodes to Python), or None.

    Raises
    ------
    CompileError
        When the op's C code does not compile and the op has no ``perform`` to fall back on.
    """
    op = node.op
    if not defines_c_code(op):
        return None
    try:
        kernel = make_kernel(node)
    except MethodNotDefined:
        return None  # the op has no C code for these types
    except Unsupported as exc:
        if not _has_perform(op):
            raise MethodNotDefined(f"{op} has no perform and its C code cannot be used: {exc}") from None
        _warn(op, str(exc))
        return None
    try:
        get_module(kernel.full_source(), kernel.name, kind="library", extra_compile_flags=kernel.compile_flags,
                   extra_link_flags=kernel.link_flags)
    except compiler.MissingCompilerError:
        return None
    except compiler.CompileError as exc:
        if not _has_perform(op):
            raise
        _warn(op, f"it does not compile: {exc}")
        return None
    return kernel
