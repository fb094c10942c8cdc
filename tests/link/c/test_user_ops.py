# ruff: noqa: UP031  (the C code is built with % formatting, as users wrote it for Theano)
"""User ops with Theano 1.0's C hooks (``c_code``, ``c_support_code``, ...), written as users wrote
them for Theano, compiled by :mod:`theano.link.c.user_ops` and compared with their ``perform``."""

import numpy as np
import pytest

import theano
import theano.scalar as ts
import theano.tensor as T
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.type import Type
from theano.graph.utils import MethodNotDefined
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.testing import run_node
from theano.link.c.user_ops import defines_c_code, make_kernel

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

PY = theano.Mode(linker="py")


# -- the ops, as a user writes them ---------------------------------------------------------------


class DoubleOp(Op):
    """``2 * x`` for a vector, with C code that handles any stride (Theano's tutorial op)."""

    __props__ = ()
    perform_calls = 0

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        if x.type.ndim != 1:
            raise TypeError("DoubleOp expects a vector")
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        DoubleOp.perform_calls += 1
        (x,) = inputs
        output_storage[0][0] = x * 2

    def infer_shape(self, node, shapes):
        return shapes

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2]

    def c_code_cache_version(self):
        return (1,)

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        z, = out
        fail = sub["fail"]
        return """
        if (NULL == %(z)s || PyArray_DIMS(%(z)s)[0] != PyArray_DIMS(%(x)s)[0]) {
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_EMPTY(1, PyArray_DIMS(%(x)s), PyArray_TYPE(%(x)s), 0);
            if (!%(z)s) {
                %(fail)s;
            }
        }
        {
            npy_intp n = PyArray_DIMS(%(x)s)[0];
            char *xp = (char*)PyArray_DATA(%(x)s);
            char *zp = (char*)PyArray_DATA(%(z)s);
            npy_intp xs = PyArray_STRIDES(%(x)s)[0], zs = PyArray_STRIDES(%(z)s)[0];
            for (npy_intp i = 0; i < n; i++) {
                *(dtype_%(z)s*)(zp + i * zs) = 2 * *(dtype_%(x)s*)(xp + i * xs);
            }
        }
        """ % locals()


class VectorTimesScalar(Op):
    """A vector times a ``theano.scalar`` value (a plain C double in the C code)."""

    __props__ = ()

    def make_node(self, x, a):
        x = T.as_tensor_variable(x)
        if not isinstance(a.type, ts.ScalarType):
            raise TypeError("a must be a theano.scalar variable")
        return Apply(self, [x, a], [T.TensorType(ts.upcast(x.dtype, a.type.dtype), (False,))()])

    def perform(self, node, inputs, output_storage):
        x, a = inputs
        output_storage[0][0] = np.asarray(x * a, dtype=node.outputs[0].dtype)

    def c_code(self, node, name, inp, out, sub):
        x, a = inp
        z, = out
        fail = sub["fail"]
        typenum = np.dtype(node.outputs[0].dtype).num
        return """
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(1, PyArray_DIMS(%(x)s), %(typenum)s, 0);
        if (!%(z)s) %(fail)s;
        for (npy_intp i = 0; i < PyArray_DIMS(%(x)s)[0]; i++) {
            dtype_%(x)s xi = *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i);
            *(dtype_%(z)s*)PyArray_GETPTR1(%(z)s, i) = xi * %(a)s;
        }
        """ % locals()


class SumToScalar(Op):
    """The sum of a float64 vector as a ``theano.scalar`` float64 (a C value written back)."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [ts.float64()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.float64(inputs[0].sum())

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        s, = out
        return """
        %(s)s = 0;
        for (npy_intp i = 0; i < PyArray_DIMS(%(x)s)[0]; i++)
            %(s)s += *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i);
        """ % locals()


class VectorTimesVector(Op):
    """Theano's tutorial op with ``c_support_code`` (a shape check) and ``c_support_code_apply``
    (a dtype-specific loop), and a C error for mismatched shapes."""

    __props__ = ()

    def make_node(self, x, y):
        x, y = T.as_tensor_variable(x), T.as_tensor_variable(y)
        out = T.TensorType(ts.upcast(x.dtype, y.dtype), (False,))()
        return Apply(self, [x, y], [out])

    def perform(self, node, inputs, output_storage):
        x, y = inputs
        if x.shape != y.shape:
            raise ValueError("Shape mismatch")
        output_storage[0][0] = np.asarray(x * y, dtype=node.outputs[0].dtype)

    def c_support_code(self):
        return """
        bool vector_same_shape(PyArrayObject* arr1, PyArrayObject* arr2)
        {
            return (PyArray_DIMS(arr1)[0] == PyArray_DIMS(arr2)[0]);
        }
        """

    def c_support_code_apply(self, node, name):
        dtype_x, dtype_y = node.inputs[0].dtype, node.inputs[1].dtype
        dtype_z = node.outputs[0].dtype
        return """
        void vector_elemwise_mult_%(name)s(npy_%(dtype_x)s* x_ptr, int x_str, npy_%(dtype_y)s* y_ptr, int y_str,
                                          npy_%(dtype_z)s* z_ptr, int z_str, int nbElements)
        {
            for (int i = 0; i < nbElements; i++)
                z_ptr[i * z_str] = x_ptr[i * x_str] * y_ptr[i * y_str];
        }
        """ % locals()

    def c_code(self, node, name, inp, out, sub):
        x, y = inp
        z, = out
        dtype_x, dtype_y = node.inputs[0].dtype, node.inputs[1].dtype
        dtype_z = node.outputs[0].dtype
        itemsize_x, itemsize_y = np.dtype(dtype_x).itemsize, np.dtype(dtype_y).itemsize
        itemsize_z = np.dtype(dtype_z).itemsize
        typenum_z = np.dtype(dtype_z).num
        fail = sub["fail"]
        return """
        if (!vector_same_shape(%(x)s, %(y)s)) {
            PyErr_Format(PyExc_ValueError, "Shape mismatch: x.shape[0] == %%i and y.shape[0] == %%i",
                         (int)PyArray_DIMS(%(x)s)[0], (int)PyArray_DIMS(%(y)s)[0]);
            %(fail)s;
        }
        if (NULL == %(z)s || !(vector_same_shape(%(x)s, %(z)s))) {
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_EMPTY(1, PyArray_DIMS(%(x)s), %(typenum_z)s, 0);
            if (!%(z)s) {
                %(fail)s;
            }
        }
        vector_elemwise_mult_%(name)s(
            (npy_%(dtype_x)s*)PyArray_DATA(%(x)s), PyArray_STRIDES(%(x)s)[0] / %(itemsize_x)s,
            (npy_%(dtype_y)s*)PyArray_DATA(%(y)s), PyArray_STRIDES(%(y)s)[0] / %(itemsize_y)s,
            (npy_%(dtype_z)s*)PyArray_DATA(%(z)s), PyArray_STRIDES(%(z)s)[0] / %(itemsize_z)s,
            PyArray_DIMS(%(x)s)[0]);
        """ % locals()


class AccumulateOp(Op):
    """Adds ``x`` into its previous output when the C code may reuse it (a zeroed new array
    otherwise): the result shows whether the runtime handed the old buffer back."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0].copy()

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        z, = out
        fail = sub["fail"]
        return """
        if (%(z)s == NULL || PyArray_DIMS(%(z)s)[0] != PyArray_DIMS(%(x)s)[0]) {
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_ZEROS(1, PyArray_DIMS(%(x)s), type_num_%(x)s, 0);
            if (!%(z)s) %(fail)s;
        }
        for (npy_intp i = 0; i < PyArray_DIMS(%(x)s)[0]; i++)
            *(dtype_%(z)s*)PyArray_GETPTR1(%(z)s, i) += *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i);
        """ % locals()


class CheckPositive(Op):
    """Copies ``x``; its C code raises ValueError (after allocating its output) for a negative
    element, and frees a scratch buffer in ``c_code_cleanup``."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        (x,) = inputs
        if (x < 0).any():
            raise ValueError("CheckPositive: negative element")
        output_storage[0][0] = x.copy()

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        z, = out
        fail = sub["fail"]
        return """
        double *scratch = NULL;
        {
            scratch = (double*)malloc(sizeof(double));
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_NewCopy(%(x)s, NPY_CORDER);
            if (!%(z)s) %(fail)s;
            for (npy_intp i = 0; i < PyArray_DIMS(%(x)s)[0]; i++) {
                if (*(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i) < 0) {
                    PyErr_Format(PyExc_ValueError, "CheckPositive: negative element at %%ld", (long)i);
                    %(fail)s;
                }
            }
        }
        """ % locals()

    def c_code_cleanup(self, node, name, inp, out, sub):
        return "free(scratch);"


class PythonOnly(Op):
    """An op without C code: it runs ``perform`` under every linker."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] + 1


def _vector(dtype, n=7, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * 10).astype(dtype)


# -- tests ---------------------------------------------------------------------------------------------


def test_only_ops_with_c_code_get_a_user_kernel():
    x = T.dvector()
    assert defines_c_code(DoubleOp())
    assert not defines_c_code(PythonOnly())
    assert kernel_for(PythonOnly()(x).owner) is None
    with pytest.raises(MethodNotDefined):
        PythonOnly().c_code(None, "n", [], [], {})
    assert Op().c_code_cache_version() == ()


def test_generated_source_shows_the_variables_the_code_and_the_flags():
    node = DoubleOp()(T.fvector()).owner
    kernel = make_kernel(node)
    source = kernel.source
    assert kernel.pyapi
    assert source.startswith("/* user op DoubleOp (DoubleOp): its C code (c_code_cache_version (1,))")
    assert "typedef npy_float32 dtype_th_in0;" in source
    assert "int type_num_th_out0 = NPY_FLOAT32;" in source
    assert "*(dtype_th_out0*)(zp + i * zs) = 2 * *(dtype_th_in0*)(xp + i * xs);" in source
    assert "{ th_failed = 1; goto th_op_done; }" in source
    assert f"TH_EXPORT int {kernel.name}(PyObject **inputs, PyObject **outputs)" in source
    assert kernel.compile_flags == ("-x", "c++")
    assert kernel.link_flags == ("-lstdc++",)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int8", "uint16"])
def test_double_op_runs_in_c_like_perform(dtype):
    x = T.vector(dtype=dtype)
    f = theano.function([x], DoubleOp()(x), mode="FAST_RUN")
    g = theano.function([x], DoubleOp()(x), mode=PY)
    assert f.fn.c_nodes == [True]
    for value in (_vector(dtype), _vector(dtype)[::-2], np.zeros(0, dtype)):
        expected = g(value)
        result = f(value)
        assert result.dtype == dtype
        np.testing.assert_array_equal(result, expected)
        np.testing.assert_array_equal(result, (value * 2).astype(dtype))


def test_c_code_under_fast_run_and_perform_under_the_python_linker():
    x = T.dvector()
    value = _vector("float64")
    DoubleOp.perform_calls = 0
    f = theano.function([x], DoubleOp()(x) + 1, mode="FAST_RUN")
    np.testing.assert_allclose(f(value), value * 2 + 1)
    assert DoubleOp.perform_calls == 0
    g = theano.function([x], DoubleOp()(x) + 1, mode=PY)
    np.testing.assert_allclose(g(value), value * 2 + 1)
    assert DoubleOp.perform_calls == 1


def test_run_node_and_infer_shape():
    x = T.dvector()
    value = _vector("float64", 5)
    (out,) = run_node(DoubleOp()(x).owner, [value])
    np.testing.assert_array_equal(out, value * 2)
    f = theano.function([x], DoubleOp()(x).shape, mode="FAST_RUN")
    assert tuple(f(value)) == (5,)


def test_gradient_of_a_c_op():
    rng = np.random.default_rng(3)
    theano.gradient.verify_grad(DoubleOp(), [rng.standard_normal(6)], rng=rng, mode="FAST_RUN")
    x = T.dvector()
    cost = T.sum(DoubleOp()(x) ** 2)
    f = theano.function([x], theano.grad(cost, x), mode="FAST_RUN")
    value = _vector("float64")
    np.testing.assert_allclose(f(value), 8 * value)


@pytest.mark.parametrize("x_dtype, a_dtype", [("float64", "float64"), ("float32", "float64"), ("int32", "int16"),
                                              ("float32", "float32")])
def test_scalar_type_input(x_dtype, a_dtype):
    x = T.vector(dtype=x_dtype)
    a = ts.ScalarType(a_dtype)()
    out = VectorTimesScalar()(x, a)
    f = theano.function([x, a], out, mode="FAST_RUN")
    g = theano.function([x, a], out, mode=PY)
    assert f.fn.c_nodes == [True]
    value = _vector(x_dtype)[::-1]
    result = f(value, 3)
    np.testing.assert_array_equal(result, g(value, 3))
    assert result.dtype == out.dtype


def test_scalar_type_input_from_a_tensor_and_scalar_output():
    x = T.dvector()
    a = T.scalar_from_tensor(T.sum(x))
    f = theano.function([x], VectorTimesScalar()(x, a), mode="FAST_RUN")
    value = _vector("float64")
    np.testing.assert_allclose(f(value), value * value.sum())

    total = SumToScalar()(x)
    f = theano.function([x], total, mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    result = f(value)
    assert isinstance(result, np.float64)
    np.testing.assert_allclose(result, value.sum())
    g = theano.function([x], T.tensor_from_scalar(total) * 2, mode="FAST_RUN")
    np.testing.assert_allclose(g(value), 2 * value.sum())


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int16", "float32"), ("int64", "int64")])
def test_support_code_and_support_code_apply(dtypes):
    x, y = T.vector(dtype=dtypes[0]), T.vector(dtype=dtypes[1])
    out = VectorTimesVector()(x, y)
    f = theano.function([x, y], out, mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    a, b = _vector(dtypes[0], seed=1), _vector(dtypes[1], seed=2)
    np.testing.assert_array_equal(f(a, b), theano.function([x, y], out, mode=PY)(a, b))
    source = kernel_for(f.fn.nodes[0]).source
    assert "bool vector_same_shape(PyArrayObject* arr1," in source
    assert "void vector_elemwise_mult_node_0(" in source
    with pytest.raises(ValueError, match="Shape mismatch: x.shape\\[0\\] == 7 and y.shape\\[0\\] == 3"):
        f(a, b[:3])


def test_c_code_reuses_its_previous_output_only_when_nobody_holds_it():
    x = T.dvector()
    f = theano.function([x], AccumulateOp()(x), mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    value = np.arange(4.0)
    f(value)  # the result is dropped: the cell alone holds it, and the C code may reuse it
    np.testing.assert_array_equal(f(value), 2 * value)
    kept = f(value)  # held by the caller from now on: never handed to the C code again
    np.testing.assert_array_equal(kept, 3 * value)
    fresh = f(value)
    np.testing.assert_array_equal(fresh, value)
    np.testing.assert_array_equal(kept, 3 * value)
    assert fresh is not kept


def test_failing_c_code_raises_with_the_node_report():
    x = T.dvector()
    f = theano.function([x], CheckPositive()(x) * 2, mode="FAST_RUN")
    assert f.fn.c_nodes[f.fn.nodes.index(next(n for n in f.fn.nodes if isinstance(n.op, CheckPositive)))]
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(ValueError, match="negative element at 1") as info:
        f(np.array([1.0, -2.0, 3.0]))
    assert "Apply node that caused the error: CheckPositive" in str(info.value)
    # the function still works after the failure
    np.testing.assert_array_equal(f(np.array([3.0])), [6.0])
    g = theano.function([x], CheckPositive()(x) * 2, mode=PY)
    with pytest.raises(ValueError, match="negative element"):
        g(np.array([-1.0]))


def test_op_without_c_code_runs_in_python():
    x = T.dvector()
    f = theano.function([x], PythonOnly()(x), mode="FAST_RUN")
    assert f.fn.c_nodes == [False]
    np.testing.assert_array_equal(f(np.arange(3.0)), np.arange(3.0) + 1)


class _ScaleByMacro(Op):
    """Uses a header (C++ <vector>), a compile argument (a macro), a library and init code."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 3 + 7

    def c_headers(self):
        return ["<vector>", "math.h"]

    def c_compile_args(self):
        return ["-DTH_TEST_FACTOR=3"]

    def c_libraries(self):
        return ["m"]

    def c_support_code(self):
        return "static double th_test_offset = 0;"

    def c_init_code(self):
        return ["th_test_offset = 7;"]

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        z, = out
        fail = sub["fail"]
        return """
        {
            std::vector<double> values(PyArray_DIMS(%(x)s)[0]);
            for (size_t i = 0; i < values.size(); i++)
                values[i] = TH_TEST_FACTOR * *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i) + th_test_offset;
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_EMPTY(1, PyArray_DIMS(%(x)s), type_num_%(x)s, 0);
            if (!%(z)s) %(fail)s;
            for (size_t i = 0; i < values.size(); i++)
                *(dtype_%(z)s*)PyArray_GETPTR1(%(z)s, i) = values[i];
        }
        """ % locals()


def test_headers_compile_args_libraries_and_init_code():
    x = T.dvector()
    node = _ScaleByMacro()(x).owner
    kernel = make_kernel(node)
    assert "#include <vector>" in kernel.source and "#include <math.h>" in kernel.source
    assert "-DTH_TEST_FACTOR=3" in kernel.compile_flags
    assert "-lm" in kernel.link_flags
    f = theano.function([x], _ScaleByMacro()(x), mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    value = _vector("float64")
    np.testing.assert_allclose(f(value), value * 3 + 7)


def test_compile_flags_are_part_of_the_cache_key():
    from theano.link.c import cache

    source = "int f(void) { return 1; }\n"
    plain = cache.module_key(source, "m")
    assert cache.module_key(source, "m", ["-DX=1"]) != plain
    assert cache.module_key(source, "m", [], ["-lm"]) != plain
    assert cache.module_key(source, "m", [], []) == plain


class _CppException(Op):
    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        raise RuntimeError("boom")

    def c_headers(self):
        return ["<stdexcept>"]

    def c_code(self, node, name, inp, out, sub):
        return 'throw std::runtime_error("boom");'


def test_cpp_exception_becomes_a_python_exception():
    x = T.dvector()
    f = theano.function([x], _CppException()(x), mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    with pytest.raises(RuntimeError, match="C\\+\\+ exception in the op's C code: boom"):
        f(np.ones(2))


class _WrongDtype(Op):
    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [T.dvector()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0].astype("float64")

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        z, = out
        return "Py_XDECREF(%s); %s = (PyArrayObject*)PyArray_NewCopy(%s, NPY_CORDER);" % (z, z, x)


def test_output_of_the_wrong_dtype_is_an_error_not_a_crash():
    x = T.fvector()
    f = theano.function([x], _WrongDtype()(x) + 1, mode="FAST_RUN")
    with pytest.raises(TypeError, match="output 0 .* was computed by the C code as an array of type number"):
        f(np.ones(3, "float32"))


class _Declines(Op):
    """c_code raises MethodNotDefined for integer inputs (Theano's way of declining)."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = -inputs[0]

    def c_code(self, node, name, inp, out, sub):
        if node.inputs[0].dtype not in ("float32", "float64"):
            raise MethodNotDefined("c_code for integers")
        x, = inp
        z, = out
        return """
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_NewCopy(%(x)s, NPY_CORDER);
        for (npy_intp i = 0; i < PyArray_DIMS(%(z)s)[0]; i++) *(dtype_%(z)s*)PyArray_GETPTR1(%(z)s, i) *= -1;
        """ % locals()


def test_c_code_may_decline_some_types():
    for dtype, in_c in (("float64", True), ("int32", False)):
        x = T.vector(dtype=dtype)
        f = theano.function([x], _Declines()(x), mode="FAST_RUN")
        assert f.fn.c_nodes == [in_c]
        np.testing.assert_array_equal(f(np.arange(3, dtype=dtype)), -np.arange(3, dtype=dtype))


class _Broken(Op):
    __props__ = ("with_perform",)

    def __init__(self, with_perform=True):
        self.with_perform = with_perform

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def c_code(self, node, name, inp, out, sub):
        return "this is not C;"


class _BrokenWithPerform(_Broken):
    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] + 0


def test_c_code_that_does_not_compile():
    x = T.dvector()
    with pytest.warns(RuntimeWarning, match="does not compile"):
        f = theano.function([x], _BrokenWithPerform()(x), mode="FAST_RUN")
    assert f.fn.c_nodes == [False]
    np.testing.assert_array_equal(f(np.ones(2)), np.ones(2))
    with pytest.raises(compiler.CompileError):
        theano.function([x], _Broken(with_perform=False)(x), mode="FAST_RUN")


# -- a user Type with Theano's C hooks (the "double" of Theano's tutorial) --------------------------


class PyFloatType(Type):
    def filter(self, data, strict=False, allow_downcast=None):
        if isinstance(data, float):
            return data
        if strict:
            raise TypeError("expected a float")
        return float(data)

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "pyfloat"

    def c_declare(self, name, sub, check_input=True):
        return "double %(name)s;" % dict(name=name)

    def c_init(self, name, sub):
        return "%(name)s = 0.0;" % dict(name=name)

    def c_extract(self, name, sub, check_input=True):
        return """
        if (!PyFloat_Check(py_%(name)s)) {
            PyErr_SetString(PyExc_TypeError, "expected a float");
            %(fail)s
        }
        %(name)s = PyFloat_AsDouble(py_%(name)s);
        """ % dict(name=name, fail=sub["fail"])

    def c_sync(self, name, sub):
        return """
        Py_XDECREF(py_%(name)s);
        py_%(name)s = PyFloat_FromDouble(%(name)s);
        if (!py_%(name)s) {
            Py_INCREF(Py_None);
            py_%(name)s = Py_None;
        }
        """ % dict(name=name)

    def c_cleanup(self, name, sub):
        return ""


pyfloat = PyFloatType()


class FloatMul(Op):
    __props__ = ()

    def make_node(self, x, y):
        return Apply(self, [x, y], [pyfloat()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * inputs[1]

    def c_code(self, node, name, inp, out, sub):
        x, y = inp
        z, = out
        return "%(z)s = %(x)s * %(y)s;" % locals()


def test_user_type_with_c_hooks():
    x, y = pyfloat(), pyfloat()
    node = FloatMul()(x, y).owner
    (result,) = run_node(node, [1.5, 4.0])
    assert result == 6.0 and isinstance(result, float)
    with pytest.raises(TypeError, match="expected a float"):
        run_node(node, [1.5, "a"])


class MinMax(Op):
    """Two outputs: the smallest element as a float64 vector of one element and the largest as a
    ``theano.scalar`` value (an empty input is an IndexError raised by the C code)."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [T.dvector(), ts.float64()])

    def perform(self, node, inputs, output_storage):
        (x,) = inputs
        if x.size == 0:
            raise IndexError("MinMax of an empty vector")
        output_storage[0][0] = np.array([x.min()], dtype="float64")
        output_storage[1][0] = np.float64(x.max())

    def c_code(self, node, name, inp, out, sub):
        x, = inp
        lo, hi = out
        fail = sub["fail"]
        return """
        npy_intp n = PyArray_DIMS(%(x)s)[0];
        if (n == 0) {
            PyErr_SetString(PyExc_IndexError, "MinMax of an empty vector");
            %(fail)s;
        }
        {
            npy_intp one = 1;
            double smallest = *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, 0), largest = smallest;
            for (npy_intp i = 1; i < n; i++) {
                double v = *(dtype_%(x)s*)PyArray_GETPTR1(%(x)s, i);
                smallest = v < smallest ? v : smallest;
                largest = v > largest ? v : largest;
            }
            Py_XDECREF(%(lo)s);
            %(lo)s = (PyArrayObject*)PyArray_EMPTY(1, &one, NPY_FLOAT64, 0);
            if (!%(lo)s) %(fail)s;
            *(double*)PyArray_DATA(%(lo)s) = smallest;
            %(hi)s = largest;
        }
        """ % locals()


def test_two_outputs_and_no_reference_leaks():
    import gc
    import sys

    x = T.dvector()
    lo, hi = MinMax()(x)
    f = theano.function([x], [lo, hi], mode="FAST_RUN")
    assert f.fn.c_nodes == [True]
    value = _vector("float64")
    result = f(value)
    np.testing.assert_array_equal(result[0], [value.min()])
    assert result[1] == value.max() and isinstance(result[1], np.float64)
    empty = np.zeros(0)
    with pytest.raises(IndexError, match="MinMax of an empty vector"):
        f(empty)

    def run_both():
        f(value)
        try:
            f(empty)
        except IndexError:
            pass

    def counts():
        gc.collect()  # the exceptions' tracebacks (one collection: it is slow in a big test process)
        return sys.getrefcount(value), sys.getrefcount(empty)

    run_both()
    before = counts()
    for _ in range(100):
        run_both()
    assert counts() == before


def test_debug_mode_compares_the_c_code_with_perform():
    x = T.dvector()
    f = theano.function([x], DoubleOp()(x) + 1, mode="DebugMode")
    value = _vector("float64")
    np.testing.assert_allclose(f(value), value * 2 + 1)
