"""Kernels for the softmax family and the cross-entropy ops of :mod:`theano.tensor.nnet`.

``Softmax``, ``LogSoftmax``, ``SoftmaxWithBias`` and ``SoftmaxGrad`` work on the last axis of a
tensor of any number of dimensions (each slice along it is a "row"); the cross-entropy ops take a
matrix and a vector of integer class indices, one per row. Every kernel computes what the op's
``perform`` computes, in the same order:

* the row maximum is subtracted before exponentiating (``exp``/``expf`` in plain loops over
  contiguous rows, which gcc vectorizes with libmvec);
* row sums are pairwise sums (NumPy's scheme), so they are as accurate as ``numpy.sum``;
* class indices are checked before anything is computed: one per row, each in
  ``[0, n_classes)``, else the ValueError of the Python implementation (no memory outside the
  matrix is ever read).

A row that is not contiguous (or whose dtype differs from the computation's) is first copied
into a scratch buffer. With OpenMP, rows are split across threads once a loop has at least
``ctx->omp_min_size`` elements, each thread with its own buffers.
"""

from __future__ import annotations

from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type
from theano.tensor.nnet.crossentropy import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    CrossentropySoftmax1HotWithBiasDx,
    CrossentropySoftmaxArgmax1HotWithBias,
)
from theano.tensor.nnet.softmax_ops import LogSoftmax, Softmax, SoftmaxGrad, SoftmaxWithBias
from theano.tensor.type import TensorType

_FLOATS = ("float32", "float64")
_INDEX_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")

# -- C shared by every kernel of this module -----------------------------------------------

_COMMON = r"""
#ifdef _OPENMP
#include <omp.h>
#define THREAD_ID() omp_get_thread_num()
#else
#define THREAD_ID() 0
#endif

/* A shape as Python prints it: "(3, 4)", "(3,)". */
static void format_shape(char *text, size_t size, int nd, const th_int *dims) {
    size_t used = (size_t)snprintf(text, size, "(");
    for (int d = 0; d < nd && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (used < size) snprintf(text + used, size - used, nd == 1 ? ",)" : ")");
}

/* The byte offset of row r of `a` (rows in C order over all axes but the last of the shape `dims`);
 * axes along which `a` has length 1 are broadcast. */
static th_int row_offset(const th_array *a, const th_int *dims, int nd, th_int r) {
    th_int offset = 0;
    for (int d = nd - 2; d >= 0; d--) {
        const th_int i = r % dims[d];
        r /= dims[d];
        if (a->dims[d] != 1) offset += i * a->strides[d];
    }
    return offset;
}

/* The sum of v[0..n) by pairwise summation (NumPy's scheme: 8 partial sums in blocks of up to 128). */
static real pairwise_sum(const real *v, th_int n) {
    if (n < 8) {
        real s = 0;
        for (th_int i = 0; i < n; i++) s += v[i];
        return s;
    }
    if (n <= 128) {
        real p[8];
        for (int k = 0; k < 8; k++) p[k] = v[k];
        th_int i;
        for (i = 8; i < n - n % 8; i += 8)
            for (int k = 0; k < 8; k++) p[k] += v[i + k];
        real s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < n; i++) s += v[i];
        return s;
    }
    th_int half = n / 2;
    half -= half % 8;
    return pairwise_sum(v, half) + pairwise_sum(v + half, n - half);
}

/* The maximum of a row: what is subtracted before exponentiating. A NaN in the row makes the whole
 * result NaN whatever this returns, as in NumPy. */
static real row_max(const real *v, th_int n) {
    real m = -INFINITY;
    for (th_int j = 0; j < n; j++) m = v[j] > m ? v[j] : m;
    return m;
}

/* o = softmax(v) for one row. */
static void softmax_row(const real *restrict v, real *restrict o, th_int n) {
    const real m = row_max(v, n);
    for (th_int j = 0; j < n; j++) o[j] = EXP(v[j] - m);
    const real s = pairwise_sum(o, n);
    for (th_int j = 0; j < n; j++) o[j] = o[j] / s;
}

/* o = log(softmax(v)) = (v - max) - log(sum(exp(v - max))) for one row; e is scratch. */
static void log_softmax_row(const real *restrict v, real *restrict o, real *restrict e, th_int n) {
    const real m = row_max(v, n);
    for (th_int j = 0; j < n; j++) o[j] = v[j] - m;
    for (th_int j = 0; j < n; j++) e[j] = EXP(o[j]);
    const real ls = LOG(pairwise_sum(e, n));
    for (th_int j = 0; j < n; j++) o[j] = o[j] - ls;
}
"""

_INDICES = r"""
/* The class indices: one per row, each in [0, n_classes), else the Python implementation's ValueError. */
static int check_indices(th_ctx *ctx, const char *what, const th_array *y, th_int rows, th_int n_classes) {
    char message[400];
    if (y->dims[0] != rows) {
        snprintf(message, sizeof message, "%s: %lld class indices for %lld rows", what, (long long)y->dims[0],
                 (long long)rows);
        TH_FAIL(ctx, TH_VALUE_ERROR, message);
    }
    if (rows == 0) return 0;
    index_t low = INDEX(y, 0), high = low;
    for (th_int i = 1; i < rows; i++) {
        const index_t v = INDEX(y, i);
        low = v < low ? v : low;
        high = v > high ? v : high;
    }
    if (INDEX_OUT_OF_RANGE(low, high, n_classes)) {
        snprintf(message, sizeof message, "%s: class index out of bounds: indices must be in [0, %lld), got values "
                 "in [" INDEX_FORMAT ", " INDEX_FORMAT "]", what, (long long)n_classes, (INDEX_PRINT)low,
                 (INDEX_PRINT)high);
        TH_FAIL(ctx, TH_VALUE_ERROR, message);
    }
    return 0;
}
"""


def _prelude(dtype: str, index_dtype: str | None = None) -> str:
    """``real`` (the computation's dtype), its math functions, the shared helpers, and the index type."""
    suffix = "f" if dtype == "float32" else ""
    lines = [f"typedef {c_type(dtype)} real;", f"#define EXP exp{suffix}", f"#define LOG log{suffix}"]
    source = "\n".join(lines) + "\n" + _COMMON
    if index_dtype is not None:
        unsigned = index_dtype.startswith("uint")
        lines = [
            "",
            f"typedef {c_type(index_dtype)} index_t;",
            "/* element i of an index vector */",
            "#define INDEX(y, i) (*(const index_t *)((y)->data + (i) * (y)->strides[0]))",
        ]
        if unsigned:
            lines += ["#define INDEX_OUT_OF_RANGE(low, high, n) ((uint64_t)(high) >= (uint64_t)(n))",
                      '#define INDEX_FORMAT "%llu"', "#define INDEX_PRINT unsigned long long"]
        else:
            lines += ["#define INDEX_OUT_OF_RANGE(low, high, n) ((low) < 0 || (int64_t)(high) >= (n))",
                      '#define INDEX_FORMAT "%lld"', "#define INDEX_PRINT long long"]
        source += "\n".join(lines) + "\n" + _INDICES
    return source


def _row_loader(name: str, dtype: str, real_dtype: str) -> str:
    """C function ``row_<name>``: a row of input ``name`` as a contiguous ``real`` array."""
    ctype = c_type(dtype)
    lines = [f"/* A row of {name} ({dtype}) as a contiguous array of reals: the row itself when it is one, else a "
             "copy in `buffer`. */",
             f"static const real *row_{name}(const char *p, th_int stride, th_int n, real *buffer) {{"]
    if dtype == real_dtype:
        lines.append("    if (stride == (th_int)sizeof(real) || n <= 1) return (const real *)p;")
    lines.append(f"    for (th_int j = 0; j < n; j++) buffer[j] = (real)*(const {ctype} *)(p + j * stride);")
    lines.append("    return buffer;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _row_loop(rows: str, n: str, n_buffers: int, body: list[str]) -> list[str]:
    """A loop over the rows, split across OpenMP threads when large, each thread with ``n_buffers``
    scratch rows of ``n`` reals (``buffer``)."""
    lines = [
        f"    const int threads = {rows} * {n} >= ctx->omp_min_size && ctx->n_threads > 1 ? ctx->n_threads : 1;",
        f"    real *buffers = ctx->scratch(ctx, (size_t)threads * {n_buffers} * (size_t){n} * sizeof(real));",
        '    if (buffers == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate row buffers");',
        "#ifdef _OPENMP",
        "#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)",
        "#endif",
        f"    for (th_int r = 0; r < {rows}; r++) {{",
        f"        real *buffer = buffers + (size_t)THREAD_ID() * {n_buffers} * (size_t){n};",
    ]
    lines += ["        " + line for line in body]
    lines.append("    }")
    return lines


def _rows_and_length(array: str, nd: int) -> list[str]:
    """C declaring ``n`` (the last axis's length) and ``rows`` (the product of the others) of ``*array``."""
    lines = [f"    const th_int n = {array}->dims[{nd - 1}];", "    th_int rows = 1;"]
    lines += [f"    rows *= {array}->dims[{d}];" for d in range(nd - 1)]
    return lines


def _signature(node) -> str:
    ins = ", ".join(str(v.type) for v in node.inputs)
    outs = ", ".join(str(v.type) for v in node.outputs)
    return f"/* {node.op} : ({ins}) -> ({outs}) */"


def _kernel(prefix: str, node, prelude: str, helpers: list[str], body: list[str]) -> Kernel:
    source = (prelude + "\n" + "\n".join(helpers) + "\n" + _signature(node) + "\n"
              + "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {\n" + "\n".join(body) + "\n    return 0;\n}\n")
    name = symbol_name(prefix, source)
    return Kernel(name, source.replace("KERNEL_NAME", name))


def _dtypes(node, floats: list[int], indices: list[int]) -> bool:
    """Whether the inputs at ``floats`` and every output are float32/float64 tensors and the inputs at
    ``indices`` integer tensors the kernels handle."""
    float_vars = [node.inputs[k] for k in floats] + [o for o in node.outputs if o.type.dtype not in _INDEX_DTYPES]
    if not all(isinstance(v.type, TensorType) for v in list(node.inputs) + list(node.outputs)):
        return False
    return (all(v.type.dtype in _FLOATS for v in float_vars)
            and all(node.inputs[k].type.dtype in _INDEX_DTYPES for k in indices))


def _fail_shapes(condition: str, fmt: str, shapes: list[tuple[str, str]], extra: dict | None = None) -> list[str]:
    """C raising ValueError(``fmt``) when ``condition`` holds; ``fmt`` has one %s per (nd, dims) in ``shapes``,
    and ``extra`` inserts other arguments at given positions."""
    lines = [f"    if ({condition}) {{"]
    names = []
    for k, (nd, dims) in enumerate(shapes):
        lines.append(f"        char shape{k}[96];")
        lines.append(f"        format_shape(shape{k}, sizeof shape{k}, {nd}, {dims});")
        names.append(f"shape{k}")
    for position, argument in sorted((extra or {}).items()):
        names.insert(position, argument)
    lines.append("        char message[400];")
    lines.append(f'        snprintf(message, sizeof message, "{fmt}", {", ".join(names)});')
    lines.append("        TH_FAIL(ctx, TH_VALUE_ERROR, message);")
    lines.append("    }")
    return lines


# -- softmax over the last axis ------------------------------------------------------------

@register_kernel(Softmax, LogSoftmax)
def softmax_kernel(node) -> Kernel | None:
    """Softmax or log-softmax along the last axis of a float tensor."""
    if not _dtypes(node, [0], []):
        return None
    dtype = node.outputs[0].type.dtype
    nd = node.inputs[0].type.ndim
    log = isinstance(node.op, LogSoftmax)
    body = ["    const th_array *x = &ctx->inputs[0];",
            f"    if (ctx->alloc_output(ctx, 0, {nd}, x->dims)) return -1;",
            "    real *out = (real *)ctx->outputs[0].data;"]
    body += _rows_and_length("x", nd)
    body.append("    if (rows == 0 || n == 0) return 0;")
    row = ["real *o = out + r * n;",
           f"const real *v = row_x(x->data + row_offset(x, x->dims, {nd}, r), x->strides[{nd - 1}], n, buffer);"]
    row.append("log_softmax_row(v, o, buffer + n, n);" if log else "softmax_row(v, o, n);")
    body += _row_loop("rows", "n", 2 if log else 1, row)
    helpers = [_row_loader("x", node.inputs[0].type.dtype, dtype)]
    return _kernel("logsoftmax" if log else "softmax", node, _prelude(dtype), helpers, body)


@register_kernel(SoftmaxWithBias)
def softmax_with_bias_kernel(node) -> Kernel | None:
    """``softmax(x + b)`` along the last axis, ``b`` a vector."""
    if not _dtypes(node, [0, 1], []):
        return None
    dtype = node.outputs[0].type.dtype
    nd = node.inputs[0].type.ndim
    body = ["    const th_array *x = &ctx->inputs[0], *b = &ctx->inputs[1];"]
    body += _fail_shapes(f"x->dims[{nd - 1}] != b->dims[0]",
                         "softmax_with_bias: the last axis of x (shape %s) must have the length of b (shape %s)",
                         [(str(nd), "x->dims"), ("1", "b->dims")])
    body += [f"    if (ctx->alloc_output(ctx, 0, {nd}, x->dims)) return -1;",
             "    real *out = (real *)ctx->outputs[0].data;"]
    body += _rows_and_length("x", nd)
    body += ["    if (rows == 0 || n == 0) return 0;",
             "    /* the bias, as reals, shared by every row */",
             "    real *bias_buffer = ctx->scratch(ctx, (size_t)n * sizeof(real));",
             '    if (bias_buffer == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate the bias");',
             "    const real *bias = row_b(b->data, b->strides[0], n, bias_buffer);"]
    row = [f"const real *v = row_x(x->data + row_offset(x, x->dims, {nd}, r), x->strides[{nd - 1}], n, buffer);",
           "real *scores = buffer + n;",
           "for (th_int j = 0; j < n; j++) scores[j] = v[j] + bias[j];",
           "softmax_row(scores, out + r * n, n);"]
    body += _row_loop("rows", "n", 2, row)
    helpers = [_row_loader("x", node.inputs[0].type.dtype, dtype), _row_loader("b", node.inputs[1].type.dtype, dtype)]
    return _kernel("softmax_with_bias", node, _prelude(dtype), helpers, body)


@register_kernel(SoftmaxGrad)
def softmax_grad_kernel(node) -> Kernel | None:
    """``(dy - sum(dy * sm, axis=-1)) * sm``, ``dy`` broadcast to the shape of ``sm``."""
    if not _dtypes(node, [0, 1], []):
        return None
    dtype = node.outputs[0].type.dtype
    nd = node.inputs[1].type.ndim
    mismatch = " || ".join(f"(dy->dims[{d}] != sm->dims[{d}] && dy->dims[{d}] != 1)" for d in range(nd))
    body = ["    const th_array *dy = &ctx->inputs[0], *sm = &ctx->inputs[1];"]
    body += _fail_shapes(mismatch, "softmax_grad: dy of shape %s does not match sm of shape %s",
                         [(str(nd), "dy->dims"), (str(nd), "sm->dims")])
    body += [f"    if (ctx->alloc_output(ctx, 0, {nd}, sm->dims)) return -1;",
             "    real *out = (real *)ctx->outputs[0].data;"]
    body += _rows_and_length("sm", nd)
    body += ["    if (rows == 0 || n == 0) return 0;",
             "    /* dy's stride along the last axis: 0 where it is broadcast */",
             f"    const th_int dy_stride = dy->dims[{nd - 1}] == 1 ? 0 : dy->strides[{nd - 1}];"]
    row = ["real *o = out + r * n;",
           f"const real *g = row_dy(dy->data + row_offset(dy, sm->dims, {nd}, r), dy_stride, n, buffer);",
           f"const real *s = row_sm(sm->data + row_offset(sm, sm->dims, {nd}, r), sm->strides[{nd - 1}], n, "
           "buffer + n);",
           "for (th_int j = 0; j < n; j++) o[j] = g[j] * s[j];",
           "const real total = pairwise_sum(o, n);",
           "for (th_int j = 0; j < n; j++) o[j] = (g[j] - total) * s[j];"]
    body += _row_loop("rows", "n", 2, row)
    helpers = [_row_loader("dy", node.inputs[0].type.dtype, dtype),
               _row_loader("sm", node.inputs[1].type.dtype, dtype)]
    return _kernel("softmax_grad", node, _prelude(dtype), helpers, body)


# -- cross-entropy of class indices --------------------------------------------------------

_ARGMAX = r"""
/* The position of the largest score of a row (n > 0), the first NaN if any (numpy.argmax). */
static th_int row_argmax(const real *v, th_int n) {
    th_int best = 0;
    real m = v[0];
    if (m != m) return 0;
    for (th_int j = 1; j < n; j++) {
        if (v[j] != v[j]) return j;
        if (v[j] > m) {
            m = v[j];
            best = j;
        }
    }
    return best;
}
"""


@register_kernel(CrossentropySoftmaxArgmax1HotWithBias)
def crossentropy_softmax_argmax_kernel(node) -> Kernel | None:
    """``(nll, softmax(x + b), argmax(x + b))`` with ``nll[i] = -log_softmax(x + b)[i, y_idx[i]]``."""
    if not _dtypes(node, [0, 1], [2]):
        return None
    dtype = node.outputs[1].type.dtype
    what = "crossentropy_softmax_argmax_1hot_with_bias"
    am_type = c_type(node.outputs[2].type.dtype)
    body = ["    const th_array *x = &ctx->inputs[0], *b = &ctx->inputs[1], *y = &ctx->inputs[2];"]
    body += _fail_shapes("x->dims[1] != b->dims[0]",
                         f"{what}: x of shape %s needs a bias of length %lld, got shape %s",
                         [("2", "x->dims"), ("1", "b->dims")], extra={1: "(long long)x->dims[1]"})
    body += [f'    if (check_indices(ctx, "{what}", y, x->dims[0], x->dims[1])) return -1;',
             "    const th_int rows = x->dims[0], n = x->dims[1];",
             "    if (ctx->alloc_output(ctx, 0, 1, &rows) || ctx->alloc_output(ctx, 1, 2, x->dims) ||",
             "        ctx->alloc_output(ctx, 2, 1, &rows))",
             "        return -1;",
             "    real *nll = (real *)ctx->outputs[0].data, *sm = (real *)ctx->outputs[1].data;",
             f"    {am_type} *am = ({am_type} *)ctx->outputs[2].data;",
             "    if (rows == 0) return 0;  /* and n > 0 when rows > 0: every index is in [0, n) */",
             "    real *bias_buffer = ctx->scratch(ctx, (size_t)n * sizeof(real));",
             '    if (bias_buffer == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate the bias");',
             "    const real *bias = row_b(b->data, b->strides[0], n, bias_buffer);"]
    row = ["const real *v = row_x(x->data + r * x->strides[0], x->strides[1], n, buffer);",
           "real *scores = buffer + n, *o = sm + r * n;",
           "for (th_int j = 0; j < n; j++) scores[j] = v[j] + bias[j];",
           "const th_int best = row_argmax(scores, n);",
           f"am[r] = ({am_type})best;",
           "/* log_softmax(scores) into o, then nll from it, then softmax = exp(log_softmax) */",
           "log_softmax_row(scores, o, buffer, n);",
           "nll[r] = -o[(th_int)INDEX(y, r)];",
           "for (th_int j = 0; j < n; j++) o[j] = EXP(o[j]);"]
    body += _row_loop("rows", "n", 2, row)
    helpers = [_row_loader("x", node.inputs[0].type.dtype, dtype), _row_loader("b", node.inputs[1].type.dtype, dtype),
               _ARGMAX]
    return _kernel("crossentropy_softmax", node, _prelude(dtype, node.inputs[2].type.dtype), helpers, body)


@register_kernel(CrossentropySoftmax1HotWithBiasDx)
def crossentropy_softmax_dx_kernel(node) -> Kernel | None:
    """``dy[:, None] * sm`` minus ``dy`` at ``[i, y_idx[i]]``."""
    if not _dtypes(node, [0, 1], [2]):
        return None
    dtype = node.outputs[0].type.dtype
    what = "crossentropy_softmax_1hot_with_bias_dx"
    body = ["    const th_array *dy = &ctx->inputs[0], *sm = &ctx->inputs[1], *y = &ctx->inputs[2];",
            f'    if (check_indices(ctx, "{what}", y, sm->dims[0], sm->dims[1])) return -1;']
    body += _fail_shapes("dy->dims[0] != sm->dims[0] && dy->dims[0] != 1",
                         f"{what}: dy of shape %s does not match sm of shape %s",
                         [("1", "dy->dims"), ("2", "sm->dims")])
    body += ["    const th_int rows = sm->dims[0], n = sm->dims[1];",
             "    if (ctx->alloc_output(ctx, 0, 2, sm->dims)) return -1;",
             "    real *out = (real *)ctx->outputs[0].data;",
             "    if (rows == 0) return 0;",
             "    const th_int dy_stride = dy->dims[0] == 1 ? 0 : dy->strides[0];"]
    dy_type = c_type(node.inputs[0].type.dtype)
    row = [f"const real d = (real)*(const {dy_type} *)(dy->data + r * dy_stride);",
           "const real *s = row_sm(sm->data + r * sm->strides[0], sm->strides[1], n, buffer);",
           "real *o = out + r * n;",
           "for (th_int j = 0; j < n; j++) o[j] = d * s[j];",
           "const th_int k = (th_int)INDEX(y, r);",
           "o[k] = o[k] - d;"]
    body += _row_loop("rows", "n", 1, row)
    helpers = [_row_loader("sm", node.inputs[1].type.dtype, dtype)]
    return _kernel("crossentropy_softmax_dx", node, _prelude(dtype, node.inputs[2].type.dtype), helpers, body)


@register_kernel(CrossentropyCategorical1Hot)
def crossentropy_categorical_kernel(node) -> Kernel | None:
    """``-log(coding_dist[i, true_one_of_n[i]])`` for each row ``i``."""
    if not _dtypes(node, [0], [1]):
        return None
    dtype = node.outputs[0].type.dtype
    coding_type = c_type(node.inputs[0].type.dtype)
    body = ["    const th_array *coding = &ctx->inputs[0], *y = &ctx->inputs[1];",
            '    if (check_indices(ctx, "crossentropy_categorical_1hot", y, coding->dims[0], coding->dims[1])) '
            "return -1;",
            "    const th_int rows = coding->dims[0];",
            "    if (ctx->alloc_output(ctx, 0, 1, &rows)) return -1;",
            "    real *out = (real *)ctx->outputs[0].data;",
            "    for (th_int r = 0; r < rows; r++) {",
            "        const th_int k = (th_int)INDEX(y, r);",
            f"        const real p = (real)*(const {coding_type} *)(coding->data + r * coding->strides[0] + "
            "k * coding->strides[1]);",
            "        out[r] = -LOG(p);",
            "    }"]
    return _kernel("crossentropy_categorical", node, _prelude(dtype, node.inputs[1].type.dtype), [], body)


@register_kernel(CrossentropyCategorical1HotGrad)
def crossentropy_categorical_grad_kernel(node) -> Kernel | None:
    """Zeros, except ``-g_y[i] / coding_dist[i, k]`` at ``[i, k]`` for ``k = true_one_of_n[i]``."""
    if not _dtypes(node, [0, 1], [2]):
        return None
    dtype = node.outputs[0].type.dtype
    what = "crossentropy_categorical_1hot_grad"
    g_type = c_type(node.inputs[0].type.dtype)
    coding_type = c_type(node.inputs[1].type.dtype)
    body = ["    const th_array *g = &ctx->inputs[0], *coding = &ctx->inputs[1], *y = &ctx->inputs[2];",
            f'    if (check_indices(ctx, "{what}", y, coding->dims[0], coding->dims[1])) return -1;',
            "    const th_int rows = coding->dims[0], n = coding->dims[1];"]
    body += _fail_shapes("g->dims[0] != rows && g->dims[0] != 1",
                         f"{what}: g_y of shape %s does not broadcast to the rows of coding_dist (shape %s)",
                         [("1", "g->dims"), ("2", "coding->dims")])
    body += ["    if (ctx->alloc_output(ctx, 0, 2, coding->dims)) return -1;",
             "    real *out = (real *)ctx->outputs[0].data;",
             "    if (rows == 0) return 0;",
             "    memset(out, 0, (size_t)(rows * n) * sizeof(real));",
             "    const th_int g_stride = g->dims[0] == 1 ? 0 : g->strides[0];",
             "    for (th_int r = 0; r < rows; r++) {",
             "        const th_int k = (th_int)INDEX(y, r);",
             f"        const real gr = (real)*(const {g_type} *)(g->data + r * g_stride);",
             f"        const real p = (real)*(const {coding_type} *)(coding->data + r * coding->strides[0] + "
             "k * coding->strides[1]);",
             "        out[r * n + k] = -gr / p;",
             "    }"]
    return _kernel("crossentropy_categorical_grad", node, _prelude(dtype, node.inputs[2].type.dtype), [], body)
