"""Kernels for the pooling ops of :mod:`theano.tensor.signal.pool` (2-d windows, float32/float64).

One kernel per op kind, dtype, number of dimensions, mode and ``ignore_border``; the window
shape, stride and padding are read from the op's integer inputs at run time, so every pool size
shares the compiled code. Leading axes are flattened into "planes", split across OpenMP threads
when large. Inputs that are not C-contiguous are first copied into scratch memory.

The window bounds are those of the Python implementation: in padded coordinates a window starts
at ``r * stride`` and ends at ``min(start + ws, rows + 2 * pad)``; except in ``average_inc_pad``
mode it is then clipped to the input (the padding is never seen), and ``average_inc_pad``
divides by the unclipped count. Max-pool gradients go to every element equal to the window's
maximum.
"""

from __future__ import annotations

from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type
from theano.tensor.signal.pool import AveragePoolGrad, DownsampleFactorMaxGradGrad, MaxPoolGrad, Pool

_FLOATS = ("float32", "float64")

_COMMON = r"""
#ifdef _OPENMP
#include <omp.h>
#endif

/* `a` as a C-contiguous array of reals: its own data when it is one, else a copy in scratch memory. */
static const real *contiguous(th_ctx *ctx, const th_array *a) {
    if (th_c_contiguous(a, sizeof(real))) return (const real *)a->data;
    const th_int n = th_size(a);
    real *copy = ctx->scratch(ctx, (size_t)(n ? n : 1) * sizeof(real));
    if (copy == NULL) return NULL;
    th_int index[TH_MAX_DIMS] = {0};
    for (th_int k = 0; k < n; k++) {
        th_int offset = 0;
        for (int d = 0; d < a->nd; d++) offset += index[d] * a->strides[d];
        copy[k] = *(const real *)(a->data + offset);
        for (int d = a->nd - 1; d >= 0; d--) {
            if (++index[d] < a->dims[d]) break;
            index[d] = 0;
        }
    }
    return copy;
}

/* Entry i of an integer parameter vector (ws, stride or pad). */
static th_int param(const th_array *p, int i) {
    return (th_int)*(const int64_t *)(p->data + i * p->strides[0]);
}

/* The number of windows along an axis of `n` elements (Theano's formula). */
static th_int out_length(th_int n, th_int w, th_int s, th_int p) {
    const th_int padded = n + 2 * p;
    if (IGNORE_BORDER) {
        return padded >= w ? (padded - w) / s + 1 : 0;
    }
    if (padded == 0) return 0;
    if (s >= w) return (padded - 1) / s + 1;
    const th_int k = padded - 1 - w;
    return (k >= 0 ? k / s + 1 : 0) + 1;
}

typedef struct {
    th_int ws[2], st[2], pad[2];
    th_int in[2], out[2];
    th_int planes;
} geometry;

/* Reads and checks the parameters (inputs first_param .. first_param + 2) and the sizes of `x`. */
static int read_geometry(th_ctx *ctx, const th_array *x, int first_param, geometry *g) {
    for (int k = 0; k < 3; k++)
        if (ctx->inputs[first_param + k].dims[0] != 2)
            TH_FAIL(ctx, TH_VALUE_ERROR, "pool: ws, stride and pad need 2 entries");
    for (int i = 0; i < 2; i++) {
        g->ws[i] = param(&ctx->inputs[first_param], i);
        g->st[i] = param(&ctx->inputs[first_param + 1], i);
        g->pad[i] = param(&ctx->inputs[first_param + 2], i);
        if (g->ws[i] < 1 || g->st[i] < 1 || g->pad[i] < 0)
            TH_FAIL(ctx, TH_VALUE_ERROR, "pool: the window and stride must be positive, the padding non-negative");
        if (g->pad[i] >= g->ws[i]) TH_FAIL(ctx, TH_VALUE_ERROR, "pool: padding must be smaller than the window");
        if (g->pad[i] && !IGNORE_BORDER)
            TH_FAIL(ctx, TH_VALUE_ERROR, "pool: padding works only with ignore_border=True");
        g->in[i] = x->dims[x->nd - 2 + i];
        g->out[i] = out_length(g->in[i], g->ws[i], g->st[i], g->pad[i]);
    }
    g->planes = 1;
    for (int d = 0; d < x->nd - 2; d++) g->planes *= x->dims[d];
    return 0;
}

/* The input elements [lo, hi) of window r along axis a, and (for averages) the count that divides. */
static inline void window(const geometry *g, int a, th_int r, th_int *lo, th_int *hi, th_int *count) {
    th_int start = r * g->st[a];
    th_int end = start + g->ws[a];
    const th_int padded = g->in[a] + 2 * g->pad[a];
    if (end > padded) end = padded;
    *count = end - start;
    start -= g->pad[a];
    end -= g->pad[a];
    if (start < 0) start = 0;
    if (end > g->in[a]) end = g->in[a];
    *lo = start;
    *hi = end > start ? end : start;
    if (!INC_PAD) *count = *hi - *lo;
}

static int threads_for(th_ctx *ctx, th_int work) {
    return work >= ctx->omp_min_size && ctx->n_threads > 1 ? ctx->n_threads : 1;
}
"""

_POOL = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const th_array *xa = &ctx->inputs[0];
    geometry g;
    if (read_geometry(ctx, xa, 1, &g)) return -1;
    th_int dims[TH_MAX_DIMS];
    for (int d = 0; d < xa->nd; d++) dims[d] = xa->dims[d];
    dims[xa->nd - 2] = g.out[0];
    dims[xa->nd - 1] = g.out[1];
    if (ctx->alloc_output(ctx, 0, xa->nd, dims)) return -1;
    real *out = (real *)ctx->outputs[0].data;
    if (g.planes == 0 || g.out[0] == 0 || g.out[1] == 0) return 0;
    const real *x = contiguous(ctx, xa);
    if (x == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "pool: cannot copy the input");
    const th_int rows = g.planes * g.out[0];
    const int threads = threads_for(ctx, rows * g.out[1] * g.ws[0] * g.ws[1]);
    /* per thread, the window rows of one output row reduced column by column (contiguous, vectorized) */
    real *buffers = ctx->scratch(ctx, (size_t)threads * (size_t)g.in[1] * sizeof(real) + sizeof(real));
    if (buffers == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "pool: cannot allocate row buffers");
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (th_int pr = 0; pr < rows; pr++) {
#ifdef _OPENMP
        real *column = buffers + (size_t)omp_get_thread_num() * (size_t)g.in[1];
#else
        real *column = buffers;
#endif
        const th_int p = pr / g.out[0], r = pr % g.out[0];
        const real *plane = x + p * g.in[0] * g.in[1];
        real *o = out + pr * g.out[1];
        const th_int n = g.in[1];
        th_int r0, r1, rn;
        window(&g, 0, r, &r0, &r1, &rn);
        for (th_int j = 0; j < n; j++) column[j] = IS_MAX ? -INFINITY : 0;
        for (th_int i = r0; i < r1; i++) {
            const real *restrict line = plane + i * n;
            for (th_int j = 0; j < n; j++) {
#if IS_MAX
                const real v = line[j], m = column[j];
                column[j] = (v > m || v != v) ? v : m;
#else
                column[j] += line[j];
#endif
            }
        }
        for (th_int c = 0; c < g.out[1]; c++) {
            th_int c0, c1, cn;
            window(&g, 1, c, &c0, &c1, &cn);
#if IS_MAX
            real m = -INFINITY;
            for (th_int j = c0; j < c1; j++) m = (column[j] > m || column[j] != column[j]) ? column[j] : m;
            o[c] = m;
#else
            real s = 0;
            for (th_int j = c0; j < c1; j++) s += column[j];
            o[c] = IS_SUM ? s : s / (real)(rn * cn > 0 ? rn * cn : 1);
#endif
        }
    }
    (void)threads;
    return 0;
}
"""

_GRAD = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const th_array *xa = &ctx->inputs[0];
    geometry g;
    if (read_geometry(ctx, xa, FIRST_PARAM, &g)) return -1;
    const th_array *ga = &ctx->inputs[FIRST_PARAM - 1];
    for (int d = 0; d < xa->nd; d++) {
        const th_int expected = d < xa->nd - 2 ? xa->dims[d] : g.out[d - (xa->nd - 2)];
        if (ga->nd != xa->nd || ga->dims[d] != (GRAD_GRAD ? xa->dims[d] : expected))
            TH_FAIL(ctx, TH_VALUE_ERROR, "pool gradient: the gradient input does not have the expected shape");
#if IS_MAX
        if (ctx->inputs[1].dims[d] != expected)
            TH_FAIL(ctx, TH_VALUE_ERROR, "pool gradient: maxout does not have the pooled shape");
#endif
    }
#if GRAD_GRAD
    if (ctx->alloc_output(ctx, 0, ga->nd, ctx->inputs[1].dims)) return -1;
#else
    if (ctx->alloc_output(ctx, 0, xa->nd, xa->dims)) return -1;
#endif
    real *out = (real *)ctx->outputs[0].data;
    const th_int out_size = th_size(&ctx->outputs[0]);
    if (out_size == 0) return 0;
    memset(out, 0, (size_t)out_size * sizeof(real));
    if (g.out[0] == 0 || g.out[1] == 0) return 0;
    const real *gz = contiguous(ctx, ga);
#if IS_MAX
    const real *x = contiguous(ctx, xa);
    const real *maxout = contiguous(ctx, &ctx->inputs[1]);
    if (x == NULL || maxout == NULL || gz == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "pool gradient: out of memory");
#else
    if (gz == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "pool gradient: out of memory");
#endif
    const th_int in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
    const int threads = threads_for(ctx, g.planes * out_plane * g.ws[0] * g.ws[1]);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (th_int p = 0; p < g.planes; p++) {
        for (th_int r = 0; r < g.out[0]; r++) {
            th_int r0, r1, rn;
            window(&g, 0, r, &r0, &r1, &rn);
            /* input rows in order, each swept across the windows of output row r */
            for (th_int i = r0; i < r1; i++) {
                const th_int line = p * in_plane + i * g.in[1];
                for (th_int c = 0; c < g.out[1]; c++) {
                    th_int c0, c1, cn;
                    window(&g, 1, c, &c0, &c1, &cn);
                    const th_int k = p * out_plane + r * g.out[1] + c;
#if GRAD_GRAD
                    const real m = maxout[k];
                    real s = 0;
                    for (th_int j = c0; j < c1; j++) s += x[line + j] == m ? gz[line + j] : 0;
                    out[k] += s;
#elif IS_MAX
                    const real m = maxout[k], d = gz[k];
                    for (th_int j = c0; j < c1; j++) out[line + j] += x[line + j] == m ? d : 0;
#else
                    const real d = IS_SUM ? gz[k] : gz[k] / (real)(rn * cn > 0 ? rn * cn : 1);
                    for (th_int j = c0; j < c1; j++) out[line + j] += d;
#endif
                }
            }
        }
    }
    (void)threads;
    return 0;
}
"""


def _pool_kernel(node, body: str, prefix: str, defines: dict) -> Kernel | None:
    op = node.op
    if op.ndim != 2:
        return None
    dtype = node.outputs[0].type.dtype
    if dtype not in _FLOATS:
        return None
    tensors = node.inputs[:-3]
    if any(v.type.dtype != dtype for v in tensors):
        return None
    if any(v.type.dtype != "int64" or v.type.ndim != 1 for v in node.inputs[-3:]):
        return None
    settings = {"IGNORE_BORDER": int(op.ignore_border), "IS_MAX": int(op.mode == "max"),
                "IS_SUM": int(op.mode == "sum"), "INC_PAD": int(op.mode == "average_inc_pad"), **defines}
    lines = [f"/* {op} : ({', '.join(str(v.type) for v in node.inputs)}) -> {node.outputs[0].type} */",
             f"typedef {c_type(dtype)} real;"]
    lines += [f"#define {name} {value}" for name, value in settings.items()]
    source = "\n".join(lines) + "\n" + _COMMON + body
    name = symbol_name(prefix, source)
    return Kernel(name, source.replace("KERNEL_NAME", name))


@register_kernel(Pool)
def pool_kernel(node) -> Kernel | None:
    """Max, sum or average pooling of the last two axes."""
    return _pool_kernel(node, _POOL, "pool", {})


@register_kernel(MaxPoolGrad)
def max_pool_grad_kernel(node) -> Kernel | None:
    """The max-pool gradient: ``gz`` added at the elements equal to their window's maximum."""
    return _pool_kernel(node, _GRAD, "max_pool_grad", {"FIRST_PARAM": 3, "GRAD_GRAD": 0})


@register_kernel(AveragePoolGrad)
def average_pool_grad_kernel(node) -> Kernel | None:
    """The sum/average-pool gradient: ``gz`` (over the window's count) spread over each window."""
    return _pool_kernel(node, _GRAD, "average_pool_grad", {"FIRST_PARAM": 2, "GRAD_GRAD": 0})


@register_kernel(DownsampleFactorMaxGradGrad)
def max_pool_grad_grad_kernel(node) -> Kernel | None:
    """The max-pool gradient's gradient: per window, the sum of ``ggx`` at its maxima."""
    return _pool_kernel(node, _GRAD, "max_pool_grad_grad", {"FIRST_PARAM": 3, "GRAD_GRAD": 1})
