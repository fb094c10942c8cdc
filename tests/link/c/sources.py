"""Hand-written CPython extension modules the compiler and cache tests build."""

ADD_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* add(a, b): the sum of two doubles */
static PyObject *add(PyObject *self, PyObject *args) {
    double a, b;
    if (!PyArg_ParseTuple(args, "dd", &a, &b)) {
        return NULL;
    }
    return PyFloat_FromDouble(a + b + OFFSET);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, "Add two doubles."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "MODULE_NAME", NULL, -1, methods};

PyMODINIT_FUNC PyInit_MODULE_NAME(void) {
    return PyModule_Create(&module_def);
}
"""

SUM_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <Python.h>
#include <numpy/arrayobject.h>

/* total(x): the sum of a float64 array, any shape and strides */
static PyObject *total(PyObject *self, PyObject *args) {
    PyObject *input;
    if (!PyArg_ParseTuple(args, "O", &input)) {
        return NULL;
    }
    PyArrayObject *array = (PyArrayObject *)PyArray_FROMANY(input, NPY_FLOAT64, 0, 0, NPY_ARRAY_CARRAY_RO);
    if (array == NULL) {
        return NULL;
    }
    const double *data = (const double *)PyArray_DATA(array);
    npy_intp size = PyArray_SIZE(array);
    double sum = 0.0;
    for (npy_intp i = 0; i < size; i++) {
        sum += data[i];
    }
    Py_DECREF(array);
    return PyFloat_FromDouble(sum);
}

static PyMethodDef methods[] = {
    {"total", total, METH_VARARGS, "Sum a float64 array."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "MODULE_NAME", NULL, -1, methods};

PyMODINIT_FUNC PyInit_MODULE_NAME(void) {
    import_array();
    return PyModule_Create(&module_def);
}
"""


def add_module_source(module_name: str, offset: float = 0.0) -> str:
    """C source of a module ``module_name`` whose ``add(a, b)`` returns ``a + b + offset``."""
    return ADD_SOURCE.replace("MODULE_NAME", module_name).replace("OFFSET", repr(float(offset)))


def sum_module_source(module_name: str) -> str:
    """C source of a module ``module_name`` whose ``total(x)`` sums a float64 array with the NumPy C API."""
    return SUM_SOURCE.replace("MODULE_NAME", module_name)
