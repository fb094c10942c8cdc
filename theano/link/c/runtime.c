/* theano's C runtime: runs a compiled function's program of steps.
 *
 * A Program holds the storage cells of a function graph (Python lists of one element, shared
 * with the Python side) and a list of steps, one per node: either a generated kernel (a C
 * function pointer, see th_kernel.h, which is pasted above this file) or a Python thunk
 * (a callable that runs the node's `perform` on the cells). `run()` executes the steps on the
 * cells; `call(*args)` is the whole call path of a compiled function in C: check and store
 * the arguments, run, apply the updates, return the outputs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <structmember.h>
#include <time.h>

typedef char th_npy_intp_is_64_bits[(sizeof(npy_intp) == sizeof(th_int)) ? 1 : -1];

typedef int (*th_kernel_fn)(th_ctx *);
/* A kernel written against the Python and NumPy C APIs (Theano's c_code hooks of user ops):
 * inputs[i] are borrowed arrays; outputs[o] hold a new reference to the previous value of the
 * output's cell (or None) and are replaced by a new reference to the result. */
typedef int (*th_pyapi_fn)(PyObject **inputs, PyObject **outputs);

static void *th_blas_table[TH_N_BLAS];
static int th_blas_int64 = 0;

/* -- steps ------------------------------------------------------------------------------ */

typedef struct {
    th_kernel_fn fn;   /* NULL for a Python step */
    int pyapi;         /* fn is really a th_pyapi_fn */
    PyObject *thunk;   /* the Python step's callable (no arguments), or NULL */
    int n_in, n_out, n_dead;
    int *in_cell;      /* cell index of each input */
    int *out_cell;     /* cell index of each output */
    int *destroy;      /* for each output: the input position it overwrites, or -1 */
    int *out_typenum;  /* for each output: its NumPy type number */
    int *dead;         /* cells emptied after this step (allow_gc) */
    char *params;      /* the kernel's constant bytes (ctx->params), or NULL */
    int *in_nd;        /* for each input: the number of dimensions its type says, or -1 */
    int n_guard;       /* lazy evaluation: (condition cell, truth value) pairs; the step is */
    int *guard;        /* skipped when a computed condition has its value (theano.link.lazy) */
} Step;

typedef struct {
    PyObject_HEAD
    PyObject *cells;     /* list of cells; a cell is a list of one element */
    PyObject **cellv;    /* borrowed from `cells` */
    Py_ssize_t n_cells;
    Step *steps;
    int n_steps;
    int n_threads;
    th_int omp_min_size;
    /* the call signature (set by set_signature) */
    int n_args;
    int *arg_cell, *arg_typenum, *arg_nd;
    unsigned long long *arg_bcast;   /* bit d set: dimension d must have length 1 */
    PyObject *arg_filters;           /* tuple: converts a value that is not exactly right */
    int n_ret, unpack_single;
    int *ret_cell;
    int n_upd;
    int *upd_in_cell, *upd_out_cell;
    int n_destroyed, n_input_cells;
    int *destroyed_cell, *input_cell;
    int trust_input;
    PyObject *fallback;   /* dispatch(): the Python call path, for keywords or other argument counts */
    PyObject *on_error;   /* dispatch(): called with the exception of a failed call (it re-raises) */
    /* errors and profiling */
    int failed_step;
    int profiling;
    double *step_seconds;
    long long *step_calls;
} Program;

/* What a kernel's callbacks need to know about the step being run. */
typedef struct {
    th_ctx ctx;
    Program *program;
    Step *step;
    PyArrayObject **in_arrays;
    PyObject **out_objects;
    void **scratch;
    int n_scratch, cap_scratch;
    int error_kind;
    char error[1024];
} Call;

static void fill_th_array(th_array *target, PyArrayObject *array) {
    target->data = PyArray_BYTES(array);
    target->dims = (th_int *)PyArray_DIMS(array);
    target->strides = (th_int *)PyArray_STRIDES(array);
    target->nd = PyArray_NDIM(array);
    target->typenum = PyArray_TYPE(array);
}

static PyObject *cell_value(Program *p, int cell) {
    return PyList_GET_ITEM(p->cellv[cell], 0);
}

static void set_cell(Program *p, int cell, PyObject *value) {
    /* steals a reference to value */
    PyObject *old = PyList_GET_ITEM(p->cellv[cell], 0);
    PyList_SET_ITEM(p->cellv[cell], 0, value);
    Py_XDECREF(old);
}

static void cb_set_error(th_ctx *ctx, int kind, const char *message) {
    Call *call = (Call *)ctx->runtime;
    call->error_kind = kind;
    snprintf(call->error, sizeof(call->error), "%s", message);
}

static int same_shape(PyArrayObject *a, int nd, const th_int *dims) {
    if (PyArray_NDIM(a) != nd) return 0;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIMS(a)[d] != dims[d]) return 0;
    return 1;
}

static void describe_shape(char *buffer, size_t size, int nd, const th_int *dims) {
    size_t used = (size_t)snprintf(buffer, size, "(");
    for (int d = 0; d < nd && used < size; d++)
        used += (size_t)snprintf(buffer + used, size - used, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (used < size) snprintf(buffer + used, size - used, nd == 1 ? ",)" : ")");
}

static int cb_alloc_output(th_ctx *ctx, int i, int nd, const th_int *dims) {
    Call *call = (Call *)ctx->runtime;
    Step *step = call->step;
    PyObject *result = NULL;
    for (int d = 0; d < nd; d++) {
        if (dims[d] < 0) {
            cb_set_error(ctx, TH_VALUE_ERROR, "negative dimension for an output");
            return -1;
        }
    }
    if (step->destroy[i] >= 0) {
        PyArrayObject *target = call->in_arrays[step->destroy[i]];
        if (!same_shape(target, nd, dims)) {
            char want[256], have[256];
            describe_shape(want, sizeof want, nd, dims);
            describe_shape(have, sizeof have, PyArray_NDIM(target), (th_int *)PyArray_DIMS(target));
            snprintf(call->error, sizeof call->error,
                     "an inplace output of shape %s cannot be written into its input of shape %s", want, have);
            call->error_kind = TH_VALUE_ERROR;
            return -1;
        }
        if (PyArray_ISWRITEABLE(target)) {
            Py_INCREF(target);
            result = (PyObject *)target;
        } else {
            /* read-only memory (a broadcast view, a buffer): compute into a copy of it */
            result = PyArray_NewCopy(target, NPY_CORDER);
            if (result == NULL) {
                PyErr_Clear();
                cb_set_error(ctx, TH_MEMORY_ERROR, "cannot copy a read-only input to overwrite it");
                return -1;
            }
        }
    } else {
        PyObject *old = cell_value(call->program, step->out_cell[i]);
        if (PyArray_CheckExact(old) && Py_REFCNT(old) == 1) {
            PyArrayObject *a = (PyArrayObject *)old;
            if (PyArray_TYPE(a) == step->out_typenum[i] && same_shape(a, nd, dims) && PyArray_BASE(a) == NULL &&
                PyArray_CHKFLAGS(a, NPY_ARRAY_OWNDATA | NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_WRITEABLE)) {
                Py_INCREF(old);
                result = old;
            }
        }
        if (result == NULL) {
            result = PyArray_EMPTY(nd, (npy_intp *)dims, step->out_typenum[i], 0);
            if (result == NULL) {
                PyErr_Clear();
                cb_set_error(ctx, TH_MEMORY_ERROR, "cannot allocate an output");
                return -1;
            }
        }
    }
    Py_XSETREF(call->out_objects[i], result);
    fill_th_array(&ctx->outputs[i], (PyArrayObject *)result);
    return 0;
}

static int cb_view_output(th_ctx *ctx, int i, int j, int nd, const th_int *dims, const th_int *strides,
                          th_int offset) {
    Call *call = (Call *)ctx->runtime;
    PyArrayObject *base = call->in_arrays[j];
    PyArray_Descr *descr = PyArray_DESCR(base);
    Py_INCREF(descr);
    int flags = PyArray_FLAGS(base) & NPY_ARRAY_WRITEABLE;
    PyObject *view = PyArray_NewFromDescr(&PyArray_Type, descr, nd, (npy_intp *)dims, (npy_intp *)strides,
                                          PyArray_BYTES(base) + offset, flags, NULL);
    if (view == NULL) {
        PyErr_Clear();
        cb_set_error(ctx, TH_MEMORY_ERROR, "cannot make a view");
        return -1;
    }
    Py_INCREF(base);
    if (PyArray_SetBaseObject((PyArrayObject *)view, (PyObject *)base) < 0) {
        Py_DECREF(view);
        PyErr_Clear();
        cb_set_error(ctx, TH_RUNTIME_ERROR, "cannot set the base of a view");
        return -1;
    }
    PyArray_UpdateFlags((PyArrayObject *)view, NPY_ARRAY_UPDATE_ALL);
    Py_XSETREF(call->out_objects[i], view);
    fill_th_array(&ctx->outputs[i], (PyArrayObject *)view);
    return 0;
}

static void *cb_scratch(th_ctx *ctx, size_t nbytes) {
    Call *call = (Call *)ctx->runtime;
    if (call->n_scratch == call->cap_scratch) {
        int cap = call->cap_scratch ? 2 * call->cap_scratch : 4;
        void **grown = realloc(call->scratch, (size_t)cap * sizeof(void *));
        if (grown == NULL) return NULL;
        call->scratch = grown;
        call->cap_scratch = cap;
    }
    void *memory = malloc(nbytes ? nbytes : 1);
    if (memory != NULL) call->scratch[call->n_scratch++] = memory;
    return memory;
}

static PyObject *error_type(int kind) {
    switch (kind) {
    case TH_INDEX_ERROR: return PyExc_IndexError;
    case TH_TYPE_ERROR: return PyExc_TypeError;
    case TH_MEMORY_ERROR: return PyExc_MemoryError;
    case TH_ZERO_DIVISION_ERROR: return PyExc_ZeroDivisionError;
    case TH_RUNTIME_ERROR: return PyExc_RuntimeError;
    case TH_ASSERTION_ERROR: return PyExc_AssertionError;
    default: return PyExc_ValueError;
    }
}

/* Run one kernel step on the cells. */
static int run_kernel_step(Program *p, Step *s) {
    th_array inputs[s->n_in > 0 ? s->n_in : 1];
    th_array outputs[s->n_out > 0 ? s->n_out : 1];
    PyArrayObject *in_arrays[s->n_in > 0 ? s->n_in : 1];
    PyObject *out_objects[s->n_out > 0 ? s->n_out : 1];
    PyObject *scalars[s->n_in > 0 ? s->n_in : 1];  /* 0-d arrays made of NumPy scalar inputs */
    for (int i = 0; i < s->n_in; i++) scalars[i] = NULL;
    for (int i = 0; i < s->n_in; i++) {
        PyObject *value = cell_value(p, s->in_cell[i]);
        if (!PyArray_Check(value) && PyArray_IsScalar(value, Generic)) {
            value = scalars[i] = PyArray_FromScalar(value, NULL);
            if (value == NULL) {
                for (int k = 0; k < i; k++) Py_XDECREF(scalars[k]);
                return -1;
            }
        }
        if (!PyArray_Check(value)) {
            for (int k = 0; k < i; k++) Py_XDECREF(scalars[k]);
            PyErr_Format(PyExc_TypeError, "input %d of the node is a %s, not a numpy.ndarray", i,
                         Py_TYPE(value)->tp_name);
            return -1;
        }
        in_arrays[i] = (PyArrayObject *)value;
        if (s->in_nd != NULL && s->in_nd[i] >= 0 && PyArray_NDIM(in_arrays[i]) != s->in_nd[i]) {
            PyErr_Format(PyExc_TypeError, "input %d of the node has %d dimensions, its type says %d", i,
                         PyArray_NDIM(in_arrays[i]), s->in_nd[i]);
            for (int k = 0; k <= i; k++) Py_XDECREF(scalars[k]);
            return -1;
        }
        fill_th_array(&inputs[i], in_arrays[i]);
    }
    memset(outputs, 0, sizeof outputs);
    for (int o = 0; o < s->n_out; o++) out_objects[o] = NULL;
    Call call;
    call.ctx.inputs = inputs;
    call.ctx.outputs = outputs;
    call.ctx.n_inputs = s->n_in;
    call.ctx.n_outputs = s->n_out;
    call.ctx.alloc_output = cb_alloc_output;
    call.ctx.view_output = cb_view_output;
    call.ctx.scratch = cb_scratch;
    call.ctx.set_error = cb_set_error;
    call.ctx.blas = th_blas_table;
    call.ctx.blas_int64 = th_blas_int64;
    call.ctx.n_threads = p->n_threads;
    call.ctx.omp_min_size = p->omp_min_size;
    call.ctx.runtime = &call;
    call.ctx.params = s->params;
    call.program = p;
    call.step = s;
    call.in_arrays = in_arrays;
    call.out_objects = out_objects;
    call.scratch = NULL;
    call.n_scratch = call.cap_scratch = 0;
    call.error_kind = -1;
    call.error[0] = '\0';

    int status = s->fn(&call.ctx);
    for (int i = 0; i < s->n_in; i++) Py_XDECREF(scalars[i]);  /* views of them hold their own reference */

    for (int k = 0; k < call.n_scratch; k++) free(call.scratch[k]);
    free(call.scratch);
    if (status == 0) {
        for (int o = 0; o < s->n_out; o++) {
            if (out_objects[o] == NULL) {
                call.error_kind = TH_RUNTIME_ERROR;
                snprintf(call.error, sizeof call.error, "the kernel did not produce its output %d", o);
                status = -1;
                break;
            }
        }
    }
    if (status != 0) {
        for (int o = 0; o < s->n_out; o++) Py_XDECREF(out_objects[o]);
        if (!PyErr_Occurred())
            PyErr_SetString(error_type(call.error_kind), call.error[0] ? call.error : "the kernel failed");
        return -1;
    }
    for (int o = 0; o < s->n_out; o++) set_cell(p, s->out_cell[o], out_objects[o]);
    return 0;
}

/* Run one step whose kernel uses the Python C API. */
static int run_pyapi_step(Program *p, Step *s) {
    PyObject *inputs[s->n_in > 0 ? s->n_in : 1];
    PyObject *outputs[s->n_out > 0 ? s->n_out : 1];
    for (int i = 0; i < s->n_in; i++) inputs[i] = cell_value(p, s->in_cell[i]);
    for (int o = 0; o < s->n_out; o++) {
        outputs[o] = cell_value(p, s->out_cell[o]);
        Py_INCREF(outputs[o]);
    }
    int status = ((th_pyapi_fn)(void *)s->fn)(inputs, outputs);
    if (status == 0) {
        for (int o = 0; o < s->n_out; o++) {
            if (outputs[o] == NULL || outputs[o] == Py_None) {
                status = -1;
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_RuntimeError, "the C code did not produce its output %d", o);
                break;
            }
        }
    } else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_RuntimeError, "the op's C code failed without setting an exception");
    }
    for (int o = 0; o < s->n_out; o++) {
        if (status == 0) set_cell(p, s->out_cell[o], outputs[o]);
        else Py_XDECREF(outputs[o]);
    }
    return status;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 1 when a guard of the step holds (skip it), 0 when none does, -1 on error. */
static int step_skipped(Program *p, const Step *s) {
    for (int g = 0; g < s->n_guard; g++) {
        PyObject *value = PyList_GET_ITEM(p->cellv[s->guard[2 * g]], 0);
        if (value == Py_None) continue;
        int truth = PyObject_IsTrue(value);
        if (truth < 0) return -1;
        if (truth == s->guard[2 * g + 1]) return 1;
    }
    return 0;
}

static int run_steps(Program *p) {
    for (int k = 0; k < p->n_steps; k++) {
        Step *s = &p->steps[k];
        if (s->n_guard) {
            int skip = step_skipped(p, s);
            if (skip < 0) {
                p->failed_step = k;
                return -1;
            }
            if (skip) {
                for (int d = 0; d < s->n_dead; d++) {
                    Py_INCREF(Py_None);
                    set_cell(p, s->dead[d], Py_None);
                }
                continue;
            }
        }
        double start = p->profiling ? now_seconds() : 0.0;
        int status;
        if (s->fn != NULL) {
            status = s->pyapi ? run_pyapi_step(p, s) : run_kernel_step(p, s);
        } else {
            PyObject *result = PyObject_CallNoArgs(s->thunk);
            status = result == NULL ? -1 : 0;
            Py_XDECREF(result);
        }
        if (status != 0) {
            p->failed_step = k;
            return -1;
        }
        if (p->profiling) {
            p->step_seconds[k] += now_seconds() - start;
            p->step_calls[k] += 1;
        }
        for (int d = 0; d < s->n_dead; d++) {
            Py_INCREF(Py_None);
            set_cell(p, s->dead[d], Py_None);
        }
    }
    return 0;
}

/* -- construction --------------------------------------------------------------------------- */

static int *int_array_from(PyObject *sequence, int *length) {
    PyObject *fast = PySequence_Fast(sequence, "expected a sequence of integers");
    if (fast == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    int *values = PyMem_Calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    if (values == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(values);
            Py_DECREF(fast);
            return NULL;
        }
        values[i] = (int)v;
    }
    Py_DECREF(fast);
    if (length) *length = (int)n;
    return values;
}

static void free_step(Step *s) {
    Py_XDECREF(s->thunk);
    PyMem_Free(s->in_cell);
    PyMem_Free(s->out_cell);
    PyMem_Free(s->destroy);
    PyMem_Free(s->out_typenum);
    PyMem_Free(s->dead);
    PyMem_Free(s->params);
    PyMem_Free(s->in_nd);
    PyMem_Free(s->guard);
}

static int check_cells(Program *p, const int *indices, int n) {
    for (int i = 0; i < n; i++) {
        if (indices[i] < 0 || indices[i] >= p->n_cells) {
            PyErr_Format(PyExc_IndexError, "cell index %d out of range", indices[i]);
            return -1;
        }
    }
    return 0;
}

/* A step from Python: (kernel address or 0, thunk or None, input cells, output cells,
 * destroyed input per output, output type numbers, dead cells[, uses the Python C API
 * [, parameter bytes[, each input's number of dimensions (-1: any)[, guards: a flat sequence of
 * (condition cell, truth value) pairs]]]]). */
static int parse_step(Program *p, PyObject *spec, Step *s) {
    PyObject *address, *thunk, *ins, *outs, *destroy, *typenums, *dead, *in_nd = NULL, *guard = NULL;
    int pyapi = 0;
    const char *params = NULL;
    Py_ssize_t n_params = 0;
    memset(s, 0, sizeof *s);
    if (!PyArg_ParseTuple(spec, "OOOOOOO|pz#OO", &address, &thunk, &ins, &outs, &destroy, &typenums, &dead, &pyapi,
                          &params, &n_params, &in_nd, &guard))
        return -1;
    s->pyapi = pyapi;
    if (params != NULL && n_params > 0) {
        /* pymalloc blocks are 16-byte aligned: kernels may read any scalar type in place */
        s->params = PyMem_Malloc((size_t)n_params + 16);
        if (s->params == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(s->params, params, (size_t)n_params);
    }
    s->fn = (th_kernel_fn)PyLong_AsVoidPtr(address);
    if (PyErr_Occurred()) return -1;
    if (s->fn == NULL) {
        if (!PyCallable_Check(thunk)) {
            PyErr_SetString(PyExc_TypeError, "a step without a kernel needs a callable thunk");
            return -1;
        }
        Py_INCREF(thunk);
        s->thunk = thunk;
    }
    int n_destroy = 0, n_typenums = 0;
    if ((s->in_cell = int_array_from(ins, &s->n_in)) == NULL) return -1;
    if ((s->out_cell = int_array_from(outs, &s->n_out)) == NULL) return -1;
    if ((s->destroy = int_array_from(destroy, &n_destroy)) == NULL) return -1;
    if ((s->out_typenum = int_array_from(typenums, &n_typenums)) == NULL) return -1;
    if ((s->dead = int_array_from(dead, &s->n_dead)) == NULL) return -1;
    if (in_nd != NULL && in_nd != Py_None) {
        int n_nd = 0;
        if ((s->in_nd = int_array_from(in_nd, &n_nd)) == NULL) return -1;
        if (n_nd != s->n_in) {
            PyErr_SetString(PyExc_ValueError, "a step needs one ndim per input");
            return -1;
        }
    }
    if (guard != NULL && guard != Py_None) {
        int n_flat = 0;
        if ((s->guard = int_array_from(guard, &n_flat)) == NULL) return -1;
        if (n_flat % 2) {
            PyErr_SetString(PyExc_ValueError, "a step's guards are (cell, value) pairs");
            return -1;
        }
        s->n_guard = n_flat / 2;
        for (int g = 0; g < s->n_guard; g++)
            if (check_cells(p, &s->guard[2 * g], 1)) return -1;
    }
    if (n_destroy != s->n_out || n_typenums != s->n_out) {
        PyErr_SetString(PyExc_ValueError, "a step needs one destroy entry and one type number per output");
        return -1;
    }
    for (int o = 0; o < s->n_out; o++) {
        if (s->destroy[o] >= s->n_in) {
            PyErr_SetString(PyExc_ValueError, "a destroyed input position is out of range");
            return -1;
        }
    }
    if (check_cells(p, s->in_cell, s->n_in) || check_cells(p, s->out_cell, s->n_out) ||
        check_cells(p, s->dead, s->n_dead))
        return -1;
    return 0;
}

static void program_clear_signature(Program *p) {
    PyMem_Free(p->arg_cell);
    PyMem_Free(p->arg_typenum);
    PyMem_Free(p->arg_nd);
    PyMem_Free(p->arg_bcast);
    PyMem_Free(p->ret_cell);
    PyMem_Free(p->upd_in_cell);
    PyMem_Free(p->upd_out_cell);
    PyMem_Free(p->destroyed_cell);
    PyMem_Free(p->input_cell);
    Py_CLEAR(p->arg_filters);
    p->arg_cell = p->arg_typenum = p->arg_nd = p->ret_cell = NULL;
    p->upd_in_cell = p->upd_out_cell = p->destroyed_cell = p->input_cell = NULL;
    p->arg_bcast = NULL;
    p->n_args = -1;
}

static void Program_dealloc(Program *p) {
    for (int k = 0; k < p->n_steps; k++) free_step(&p->steps[k]);
    PyMem_Free(p->steps);
    PyMem_Free(p->cellv);
    PyMem_Free(p->step_seconds);
    PyMem_Free(p->step_calls);
    program_clear_signature(p);
    Py_XDECREF(p->fallback);
    Py_XDECREF(p->on_error);
    Py_XDECREF(p->cells);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *Program_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"cells", "steps", "n_threads", "omp_min_size", NULL};
    PyObject *cells, *steps;
    int n_threads = 1;
    long long omp_min_size = 200000;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O|iL", names, &PyList_Type, &cells, &steps, &n_threads,
                                     &omp_min_size))
        return NULL;
    Program *p = (Program *)type->tp_alloc(type, 0);
    if (p == NULL) return NULL;
    p->n_args = -1;
    p->failed_step = -1;
    p->n_threads = n_threads;
    p->omp_min_size = omp_min_size;
    Py_INCREF(cells);
    p->cells = cells;
    p->n_cells = PyList_GET_SIZE(cells);
    p->cellv = PyMem_Calloc((size_t)(p->n_cells ? p->n_cells : 1), sizeof(PyObject *));
    if (p->cellv == NULL) goto fail;
    for (Py_ssize_t i = 0; i < p->n_cells; i++) {
        PyObject *cell = PyList_GET_ITEM(cells, i);
        if (!PyList_CheckExact(cell) || PyList_GET_SIZE(cell) != 1) {
            PyErr_Format(PyExc_TypeError, "cell %zd is not a list of one element", i);
            goto fail;
        }
        p->cellv[i] = cell;
    }
    PyObject *fast = PySequence_Fast(steps, "steps must be a sequence");
    if (fast == NULL) goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    p->steps = PyMem_Calloc((size_t)(n ? n : 1), sizeof(Step));
    p->step_seconds = PyMem_Calloc((size_t)(n ? n : 1), sizeof(double));
    p->step_calls = PyMem_Calloc((size_t)(n ? n : 1), sizeof(long long));
    if (p->steps == NULL || p->step_seconds == NULL || p->step_calls == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        p->n_steps = (int)k + 1;
        if (parse_step(p, PySequence_Fast_GET_ITEM(fast, k), &p->steps[k]) < 0) {
            Py_DECREF(fast);
            goto fail;
        }
    }
    p->n_steps = (int)n;
    Py_DECREF(fast);
    return (PyObject *)p;
fail:
    Py_DECREF(p);
    return NULL;
}

/* set_signature(arg_cells, arg_typenums, arg_ndims, arg_bcast_masks, arg_filters, ret_cells,
 *               unpack_single, update_pairs, destroyed_cells, input_cells) */
static PyObject *Program_set_signature(Program *p, PyObject *args) {
    PyObject *arg_cells, *typenums, *ndims, *bcast, *filters, *ret_cells, *updates, *destroyed, *input_cells;
    int unpack_single;
    if (!PyArg_ParseTuple(args, "OOOOO!OpOOO", &arg_cells, &typenums, &ndims, &bcast, &PyTuple_Type, &filters,
                          &ret_cells, &unpack_single, &updates, &destroyed, &input_cells))
        return NULL;
    program_clear_signature(p);
    int n_args, n_typenums, n_nd, n_upd_flat;
    if ((p->arg_cell = int_array_from(arg_cells, &n_args)) == NULL) goto fail;
    if ((p->arg_typenum = int_array_from(typenums, &n_typenums)) == NULL) goto fail;
    if ((p->arg_nd = int_array_from(ndims, &n_nd)) == NULL) goto fail;
    if ((p->ret_cell = int_array_from(ret_cells, &p->n_ret)) == NULL) goto fail;
    if ((p->destroyed_cell = int_array_from(destroyed, &p->n_destroyed)) == NULL) goto fail;
    if ((p->input_cell = int_array_from(input_cells, &p->n_input_cells)) == NULL) goto fail;
    int *flat_updates = int_array_from(updates, &n_upd_flat);
    if (flat_updates == NULL) goto fail;
    p->n_upd = n_upd_flat / 2;
    p->upd_in_cell = PyMem_Calloc((size_t)(p->n_upd + 1), sizeof(int));
    p->upd_out_cell = PyMem_Calloc((size_t)(p->n_upd + 1), sizeof(int));
    p->arg_bcast = PyMem_Calloc((size_t)(n_args + 1), sizeof(unsigned long long));
    if (p->upd_in_cell == NULL || p->upd_out_cell == NULL || p->arg_bcast == NULL) {
        PyMem_Free(flat_updates);
        PyErr_NoMemory();
        goto fail;
    }
    for (int u = 0; u < p->n_upd; u++) {
        p->upd_in_cell[u] = flat_updates[2 * u];
        p->upd_out_cell[u] = flat_updates[2 * u + 1];
    }
    PyMem_Free(flat_updates);
    PyObject *masks = PySequence_Fast(bcast, "broadcast masks must be a sequence");
    if (masks == NULL) goto fail;
    if (PySequence_Fast_GET_SIZE(masks) != n_args || n_typenums != n_args || n_nd != n_args ||
        PyTuple_GET_SIZE(filters) != n_args) {
        Py_DECREF(masks);
        PyErr_SetString(PyExc_ValueError, "one type number, ndim, mask and filter per argument");
        goto fail;
    }
    for (int i = 0; i < n_args; i++) {
        p->arg_bcast[i] = PyLong_AsUnsignedLongLong(PySequence_Fast_GET_ITEM(masks, i));
        if (PyErr_Occurred()) {
            Py_DECREF(masks);
            goto fail;
        }
    }
    Py_DECREF(masks);
    if (check_cells(p, p->arg_cell, n_args) || check_cells(p, p->ret_cell, p->n_ret) ||
        check_cells(p, p->upd_in_cell, p->n_upd) || check_cells(p, p->upd_out_cell, p->n_upd) ||
        check_cells(p, p->destroyed_cell, p->n_destroyed) || check_cells(p, p->input_cell, p->n_input_cells))
        goto fail;
    Py_INCREF(filters);
    p->arg_filters = filters;
    p->unpack_single = unpack_single;
    p->n_args = n_args;
    Py_RETURN_NONE;
fail:
    program_clear_signature(p);
    return NULL;
}

/* -- calling -------------------------------------------------------------------------------- */

static int exactly_right(Program *p, int i, PyObject *value) {
    if (!PyArray_CheckExact(value)) return 0;
    PyArrayObject *a = (PyArrayObject *)value;
    if (PyArray_TYPE(a) != p->arg_typenum[i] || PyArray_NDIM(a) != p->arg_nd[i]) return 0;
    if (!PyArray_ISBEHAVED_RO(a)) return 0;
    unsigned long long mask = p->arg_bcast[i];
    for (int d = 0; mask != 0; d++, mask >>= 1)
        if ((mask & 1) && PyArray_DIMS(a)[d] != 1) return 0;
    return 1;
}

/* The byte range an array's elements lie in. */
static void extent(PyArrayObject *a, char **low, char **high) {
    char *lo = PyArray_BYTES(a), *hi = PyArray_BYTES(a);
    for (int d = 0; d < PyArray_NDIM(a); d++) {
        npy_intp span = (PyArray_DIMS(a)[d] - 1) * PyArray_STRIDES(a)[d];
        if (PyArray_DIMS(a)[d] == 0) {
            *low = *high = lo;
            return;
        }
        if (span < 0) lo += span; else hi += span;
    }
    *low = lo;
    *high = hi + PyArray_ITEMSIZE(a);
}

/* An input that the graph overwrites must not share memory with another input. */
static int separate_destroyed(Program *p) {
    for (int k = 0; k < p->n_destroyed; k++) {
        PyObject *value = cell_value(p, p->destroyed_cell[k]);
        if (!PyArray_Check(value)) continue;
        char *lo, *hi;
        extent((PyArrayObject *)value, &lo, &hi);
        for (int j = 0; j < p->n_input_cells; j++) {
            if (p->input_cell[j] == p->destroyed_cell[k]) continue;
            PyObject *other = cell_value(p, p->input_cell[j]);
            if (!PyArray_Check(other)) continue;
            char *olo, *ohi;
            extent((PyArrayObject *)other, &olo, &ohi);
            if (lo < ohi && olo < hi) {
                PyObject *copy = PyArray_NewCopy((PyArrayObject *)value, NPY_CORDER);
                if (copy == NULL) return -1;
                set_cell(p, p->destroyed_cell[k], copy);
                break;
            }
        }
    }
    return 0;
}

static PyObject *Program_call(Program *p, PyObject *const *args, Py_ssize_t nargs) {
    if (p->n_args < 0) {
        PyErr_SetString(PyExc_RuntimeError, "the program has no call signature");
        return NULL;
    }
    if (nargs != p->n_args) {
        PyErr_Format(PyExc_TypeError, "expected %d arguments, got %zd", p->n_args, nargs);
        return NULL;
    }
    p->failed_step = -1;
    for (int i = 0; i < p->n_args; i++) {
        PyObject *value = args[i];
        if (p->trust_input || exactly_right(p, i, value)) {
            Py_INCREF(value);
        } else {
            value = PyObject_CallOneArg(PyTuple_GET_ITEM(p->arg_filters, i), value);
            if (value == NULL) return NULL;
        }
        set_cell(p, p->arg_cell[i], value);
    }
    if (p->n_destroyed && separate_destroyed(p) < 0) return NULL;
    if (run_steps(p) < 0) return NULL;
    PyObject *result;
    if (p->unpack_single && p->n_ret == 1) {
        result = cell_value(p, p->ret_cell[0]);
        Py_INCREF(result);
    } else {
        result = PyList_New(p->n_ret);
        if (result == NULL) return NULL;
        for (int r = 0; r < p->n_ret; r++) {
            PyObject *value = cell_value(p, p->ret_cell[r]);
            Py_INCREF(value);
            PyList_SET_ITEM(result, r, value);
        }
    }
    for (int u = 0; u < p->n_upd; u++) {
        PyObject *value = cell_value(p, p->upd_out_cell[u]);
        Py_INCREF(value);
        set_cell(p, p->upd_in_cell[u], value);
    }
    return result;
}

/* dispatch(*args, **kwargs): a compiled function's __call__. The common call (every argument by
 * position, no keywords) runs call(); anything else goes to the Python fallback. A failure is
 * handed to on_error, which re-raises it with the failing node's report. */
static PyObject *Program_dispatch(Program *p, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (p->fallback != NULL && (p->n_args < 0 || nargs != p->n_args || (kwnames && PyTuple_GET_SIZE(kwnames))))
        return PyObject_Vectorcall(p->fallback, args, nargsf, kwnames);
    PyObject *result = Program_call(p, args, nargs);
    if (result == NULL && p->on_error != NULL) {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_NormalizeException(&type, &value, &traceback);
        if (traceback != NULL && value != NULL) PyException_SetTraceback(value, traceback);
        PyObject *handled = PyObject_CallOneArg(p->on_error, value ? value : Py_None);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        Py_XDECREF(handled);
        if (handled != NULL && !PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "the error handler of a compiled function returned");
        return NULL;
    }
    return result;
}

static PyObject *Program_set_fallback(Program *p, PyObject *args) {
    PyObject *fallback, *on_error;
    if (!PyArg_ParseTuple(args, "OO", &fallback, &on_error)) return NULL;
    Py_INCREF(fallback);
    Py_INCREF(on_error);
    Py_XSETREF(p->fallback, fallback);
    Py_XSETREF(p->on_error, on_error);
    Py_RETURN_NONE;
}

static PyObject *Program_run(Program *p, PyObject *unused) {
    p->failed_step = -1;
    if (run_steps(p) < 0) return NULL;
    Py_RETURN_NONE;
}

/* -- loops (scan) ------------------------------------------------------------------------ */

/* One (cell, entries, offset, size) of a loop: step t reads or writes entries[(t + offset) % size]. */
typedef struct {
    int cell;
    PyObject *entries;   /* borrowed: a list of arrays (views of a buffer's entries) */
    Py_ssize_t offset, size;
} LoopSlot;

static int parse_slots(Program *p, PyObject *specs, LoopSlot **slots, Py_ssize_t *n) {
    PyObject *fast = PySequence_Fast(specs, "loop slots must be a sequence");
    if (fast == NULL) return -1;
    *n = PySequence_Fast_GET_SIZE(fast);
    *slots = PyMem_Calloc((size_t)(*n > 0 ? *n : 1), sizeof(LoopSlot));
    if (*slots == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        LoopSlot *slot = &(*slots)[i];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "iO!nn", &slot->cell, &PyList_Type, &slot->entries,
                              &slot->offset, &slot->size) ||
            check_cells(p, &slot->cell, 1)) {
            Py_DECREF(fast);
            return -1;
        }
        if (slot->size < 1 || PyList_GET_SIZE(slot->entries) < slot->size || slot->offset < 0) {
            PyErr_SetString(PyExc_ValueError, "a loop slot needs 0 <= offset and 1 <= size <= len(entries)");
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);  /* the entries lists stay alive: the caller's tuple holds them */
    return 0;
}

/* entry[...] = value, for the value a step left in an output cell. */
static int store_entry(PyObject *entry, PyObject *value) {
    if (!PyArray_Check(entry)) {
        PyErr_SetString(PyExc_TypeError, "loop entries must be arrays");
        return -1;
    }
    PyArrayObject *dst = (PyArrayObject *)entry;
    if (PyArray_Check(value)) {
        PyArrayObject *src = (PyArrayObject *)value;
        if (PyArray_DESCR(src)->type_num == PyArray_DESCR(dst)->type_num && PyArray_IS_C_CONTIGUOUS(src) &&
            PyArray_IS_C_CONTIGUOUS(dst) && PyArray_NDIM(src) == PyArray_NDIM(dst) &&
            same_shape(src, PyArray_NDIM(dst), (th_int *)PyArray_DIMS(dst))) {
            memmove(PyArray_DATA(dst), PyArray_DATA(src), (size_t)PyArray_NBYTES(dst));  /* (they may be one buffer) */
            return 0;
        }
        return PyArray_CopyInto(dst, src);
    }
    PyArrayObject *src = (PyArrayObject *)PyArray_FROM_O(value);
    if (src == NULL) return -1;
    int status = PyArray_CopyInto(dst, src);
    Py_DECREF(src);
    return status;
}

/* loop(start, stop, reads, writes, carries, cond_cell) -> steps done in all.
 * Before step t: cell[read.cell] = read.entries[(t + offset) % size]; run the steps; after it:
 * write.entries[...] = cell[write.cell] (copied), cell[carry_in] = cell[carry_out]; a do-while
 * loop (cond_cell >= 0) stops after the first step whose condition cell holds a true value. */
static PyObject *Program_loop(Program *p, PyObject *args) {
    Py_ssize_t start, stop;
    PyObject *read_specs, *write_specs, *carry_specs;
    int cond_cell;
    if (!PyArg_ParseTuple(args, "nnOOOi", &start, &stop, &read_specs, &write_specs, &carry_specs, &cond_cell))
        return NULL;
    LoopSlot *reads = NULL, *writes = NULL;
    Py_ssize_t n_reads = 0, n_writes = 0;
    int *carries = NULL, n_carry_flat = 0;
    PyObject *result = NULL;
    if (parse_slots(p, read_specs, &reads, &n_reads) || parse_slots(p, write_specs, &writes, &n_writes)) goto done;
    if ((carries = int_array_from(carry_specs, &n_carry_flat)) == NULL) goto done;
    if (n_carry_flat % 2 || check_cells(p, carries, n_carry_flat) || (cond_cell >= 0 && check_cells(p, &cond_cell, 1)))
        goto bad_spec;
    p->failed_step = -1;
    Py_ssize_t t = start;
    for (; t < stop; t++) {
        for (Py_ssize_t i = 0; i < n_reads; i++) {
            PyObject *entry = PyList_GET_ITEM(reads[i].entries, (t + reads[i].offset) % reads[i].size);
            Py_INCREF(entry);
            set_cell(p, reads[i].cell, entry);
        }
        if (run_steps(p) < 0) goto done;
        for (Py_ssize_t i = 0; i < n_writes; i++) {
            PyObject *entry = PyList_GET_ITEM(writes[i].entries, (t + writes[i].offset) % writes[i].size);
            if (store_entry(entry, cell_value(p, writes[i].cell)) < 0) goto done;
        }
        for (int c = 0; c < n_carry_flat; c += 2) {
            PyObject *value = cell_value(p, carries[c + 1]);
            Py_INCREF(value);
            set_cell(p, carries[c], value);
        }
        if (cond_cell >= 0) {
            int truth = PyObject_IsTrue(cell_value(p, cond_cell));
            if (truth < 0) goto done;
            if (truth) {
                t++;
                break;
            }
        }
        if (PyErr_CheckSignals() < 0) goto done;
    }
    result = PyLong_FromSsize_t(t);
    goto done;
bad_spec:
    PyErr_SetString(PyExc_ValueError, "loop: carries are (in cell, out cell) pairs of valid cells");
done:
    PyMem_Free(reads);
    PyMem_Free(writes);
    PyMem_Free(carries);
    return result;
}

static PyObject *Program_profile(Program *p, PyObject *unused) {
    PyObject *result = PyList_New(p->n_steps);
    if (result == NULL) return NULL;
    for (int k = 0; k < p->n_steps; k++) {
        PyObject *item = Py_BuildValue("(dL)", p->step_seconds[k], p->step_calls[k]);
        if (item == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, k, item);
    }
    return result;
}

static PyObject *Program_reset_profile(Program *p, PyObject *unused) {
    for (int k = 0; k < p->n_steps; k++) {
        p->step_seconds[k] = 0.0;
        p->step_calls[k] = 0;
    }
    Py_RETURN_NONE;
}

static PyMethodDef Program_methods[] = {
    {"call", (PyCFunction)(void (*)(void))Program_call, METH_FASTCALL,
     "call(*args): store the arguments (checked), run, apply updates, return the outputs"},
    {"dispatch", (PyCFunction)(void (*)(void))Program_dispatch, METH_FASTCALL | METH_KEYWORDS,
     "dispatch(*args, **kwargs): call() for positional calls, else the fallback; errors to on_error"},
    {"set_fallback", (PyCFunction)Program_set_fallback, METH_VARARGS,
     "set_fallback(fallback, on_error): what dispatch() uses besides call()"},
    {"run", (PyCFunction)Program_run, METH_NOARGS, "run every step on the cells"},
    {"loop", (PyCFunction)Program_loop, METH_VARARGS,
     "loop(start, stop, reads, writes, carries, cond_cell): run the steps once per loop step (scan)"},
    {"set_signature", (PyCFunction)Program_set_signature, METH_VARARGS, "describe the call path"},
    {"step_profile", (PyCFunction)Program_profile, METH_NOARGS, "[(seconds, calls)] per step"},
    {"reset_profile", (PyCFunction)Program_reset_profile, METH_NOARGS, "zero the per-step times"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Program_members[] = {
    {"failed_step", T_INT, offsetof(Program, failed_step), 0, "index of the step that raised, or -1"},
    {"trust_input", T_INT, offsetof(Program, trust_input), 0, "skip the argument checks"},
    {"profiling", T_INT, offsetof(Program, profiling), 0, "time every step"},
    {"n_threads", T_INT, offsetof(Program, n_threads), 0, "threads a kernel may use"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "theano_runtime.Program",
    .tp_basicsize = sizeof(Program),
    .tp_dealloc = (destructor)Program_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Program(cells, steps, n_threads=1, omp_min_size=200000): a compiled function's steps",
    .tp_methods = Program_methods,
    .tp_members = Program_members,
    .tp_new = Program_new,
};

/* -- module ------------------------------------------------------------------------------- */

/* set_blas(routines, int64): the BLAS routines kernels may call, each a capsule, an address (int)
 * or None, and whether they take 64-bit integer arguments. */
static PyObject *set_blas(PyObject *module, PyObject *args) {
    PyObject *routines;
    int int64;
    if (!PyArg_ParseTuple(args, "O!p", &PyTuple_Type, &routines, &int64)) return NULL;
    if (PyTuple_GET_SIZE(routines) != TH_N_BLAS) {
        PyErr_Format(PyExc_TypeError, "set_blas takes a tuple of %d routines", TH_N_BLAS);
        return NULL;
    }
    void *table[TH_N_BLAS];
    for (int k = 0; k < TH_N_BLAS; k++) {
        PyObject *routine = PyTuple_GET_ITEM(routines, k);
        if (routine == Py_None) {
            table[k] = NULL;
        } else if (PyLong_Check(routine)) {
            table[k] = PyLong_AsVoidPtr(routine);
            if (table[k] == NULL && PyErr_Occurred()) return NULL;
        } else {
            table[k] = PyCapsule_GetPointer(routine, PyCapsule_GetName(routine));
            if (table[k] == NULL) return NULL;
        }
    }
    memcpy(th_blas_table, table, sizeof table);
    th_blas_int64 = int64;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_blas", set_blas, METH_VARARGS, "set_blas(routines, int64): BLAS routines for the kernels"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef runtime_module = {
    PyModuleDef_HEAD_INIT, TH_MODULE_NAME_STR, "theano's C runtime", -1, module_methods,
};

PyMODINIT_FUNC TH_MODULE_INIT(void) {
    import_array();
    if (PyType_Ready(&ProgramType) < 0) return NULL;
    PyObject *module = PyModule_Create(&runtime_module);
    if (module == NULL) return NULL;
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(module, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        Py_DECREF(module);
        return NULL;
    }
#ifdef TH_SOURCE_SHA256
    /* built at install time (runtime_ext.c): which sources it was built from */
    if (PyModule_AddStringConstant(module, "source_sha256", TH_SOURCE_SHA256) < 0) {
        Py_DECREF(module);
        return NULL;
    }
#endif
    return module;
}
