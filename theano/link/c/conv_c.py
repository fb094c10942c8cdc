"""Kernels for the convolution ops of :mod:`theano.tensor.nnet.abstract_conv` (float32, float64).

Every kernel works one image at a time and one group at a time, through a column buffer
(``im2col``): row ``(c, i, j)`` of the buffer holds, for every output pixel ``(y, x)``, the input
value that filter tap ``(i, j)`` of channel ``c`` meets there (zero in the padding). With
``filter_flip`` the taps are read in reversed order, so the filters are used as they are stored.
Then, with ``K = channels/group * rows * cols`` and ``P`` output pixels:

* forward: ``out[n, g] (Og x P) = W[g] (Og x K) @ col (K x P)``;
* gradient of the filters: ``dW[g] (Og x K) += top[n, g] (Og x P) @ col^T``, summed over the batch;
* gradient of the input: ``col = W[g]^T @ top[n, g]``, then ``col2im`` adds each row back at the
  positions it was read from.

The column buffer is filled a block of output rows at a time (about 192 KiB for the forward and
input-gradient products, 1 MiB for the filter gradient, whose products sum over the block), so
it stays in cache between ``im2col`` and the product. The products run in BLAS (``ctx->blas``,
helpers shared with :mod:`theano.link.c.blas_c`). The
geometry (padding rule, strides, dilation, flip, groups and the shape hints) reaches the kernel
as its parameters, so one compiled kernel serves every convolution of a dtype. Images are
processed one after the other: the parallelism is BLAS's (its thread pool would fight OpenMP
threads calling it, see ``threads_for``).
"""

from __future__ import annotations

import numpy as np

from theano.link.c.blas_c import _prelude
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.tensor.nnet.abstract_conv import (
    AbstractConv2d,
    AbstractConv2d_gradInputs,
    AbstractConv2d_gradWeights,
    BaseAbstractConv,
)
from theano.tensor.type import TensorType

_FLOATS = ("float32", "float64")

# -- C shared by the three kernels ---------------------------------------------------------

_CONV = r"""
#ifdef _OPENMP
#include <omp.h>
#define THREAD_ID() omp_get_thread_num()
#else
#define THREAD_ID() 0
#endif

/* The op's parameters (ctx->params, int64 each, in this order). */
typedef struct {
    th_int mode;          /* 0: explicit pads, 1: 'full', 2: 'half' */
    th_int pad[4];        /* top, bottom, left, right (mode 0) */
    th_int sh, sw, dh, dw;
    th_int flip, groups;
    th_int imshp[4], kshp[4];  /* shape hints, -1 where unknown */
} conv_params;

/* The geometry of one convolution. */
typedef struct {
    th_int kh, kw, pt, pb, pl, pr, oh, ow;
} conv_geometry;

static th_int floor_div(th_int a, th_int b) {
    th_int q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void conv_geometry_of(const conv_params *p, th_int h, th_int w, th_int kh, th_int kw, conv_geometry *g) {
    const th_int eh = (kh - 1) * p->dh + 1, ew = (kw - 1) * p->dw + 1;
    g->kh = kh;
    g->kw = kw;
    if (p->mode == 1) {
        g->pt = g->pb = eh - 1;
        g->pl = g->pr = ew - 1;
    } else if (p->mode == 2) {
        g->pt = g->pb = eh / 2;
        g->pl = g->pr = ew / 2;
    } else {
        g->pt = p->pad[0];
        g->pb = p->pad[1];
        g->pl = p->pad[2];
        g->pr = p->pad[3];
    }
    g->oh = floor_div(h + g->pt + g->pb - eh, p->sh) + 1;
    g->ow = floor_div(w + g->pl + g->pr - ew, p->sw) + 1;
}

static int check_hint(th_ctx *ctx, const th_int *hint, const th_array *a, const char *what) {
    for (int d = 0; d < 4; d++) {
        if (hint[d] >= 0 && hint[d] != a->dims[d]) {
            char message[256];
            snprintf(message, sizeof message, "conv2d: the %s has shape (%lld, %lld, %lld, %lld), but the op was "
                     "told otherwise (dimension %d should be %lld)", what, (long long)a->dims[0],
                     (long long)a->dims[1], (long long)a->dims[2], (long long)a->dims[3], d, (long long)hint[d]);
            TH_FAIL(ctx, TH_VALUE_ERROR, message);
        }
    }
    return 0;
}

static int check_groups(th_ctx *ctx, const conv_params *p, th_int image_channels, th_int kernel_channels,
                        th_int n_filters) {
    char message[256];
    if (image_channels != kernel_channels * p->groups) {
        snprintf(message, sizeof message, "conv2d: the input has %lld channels, but the filters expect %lld x "
                 "num_groups=%lld = %lld", (long long)image_channels, (long long)kernel_channels,
                 (long long)p->groups, (long long)(kernel_channels * p->groups));
        TH_FAIL(ctx, TH_VALUE_ERROR, message);
    }
    if (n_filters % p->groups) {
        snprintf(message, sizeof message, "conv2d: the number of filters (%lld) must be a multiple of num_groups "
                 "(%lld)", (long long)n_filters, (long long)p->groups);
        TH_FAIL(ctx, TH_VALUE_ERROR, message);
    }
    return 0;
}

static int check_top(th_ctx *ctx, const conv_geometry *g, const th_array *top) {
    if (top->dims[2] == g->oh && top->dims[3] == g->ow) return 0;
    char message[256];
    snprintf(message, sizeof message, "conv2d: the output gradient has spatial shape (%lld, %lld), but the "
             "convolution's output would have (%lld, %lld)", (long long)top->dims[2], (long long)top->dims[3],
             (long long)g->oh, (long long)g->ow);
    TH_FAIL(ctx, TH_VALUE_ERROR, message);
}

/* The data of a 4-d array as a C-contiguous block: its own, or a copy in scratch memory. */
static const real *contiguous4(th_ctx *ctx, const th_array *a) {
    if (th_c_contiguous(a, sizeof(real))) return (const real *)a->data;
    real *copy = ctx->scratch(ctx, (size_t)th_size(a) * sizeof(real) + 1);
    if (copy == NULL) {
        ctx->set_error(ctx, TH_MEMORY_ERROR, "conv2d: cannot allocate a copy of an operand");
        return NULL;
    }
    real *to = copy;
    for (th_int i0 = 0; i0 < a->dims[0]; i0++)
        for (th_int i1 = 0; i1 < a->dims[1]; i1++)
            for (th_int i2 = 0; i2 < a->dims[2]; i2++) {
                const char *row = a->data + i0 * a->strides[0] + i1 * a->strides[1] + i2 * a->strides[2];
                for (th_int i3 = 0; i3 < a->dims[3]; i3++) *to++ = *(const real *)(row + i3 * a->strides[3]);
            }
    return copy;
}

/* The output columns x in [*lo, *hi) whose input column x * s + offset lies in [0, w). */
static void valid_range(th_int offset, th_int s, th_int w, th_int ow, th_int *lo, th_int *hi) {
    th_int first = offset >= 0 ? 0 : (-offset + s - 1) / s;
    th_int last = w - 1 - offset < 0 ? -1 : (w - 1 - offset) / s;
    *lo = first < ow ? first : ow;
    *hi = last + 1 < ow ? last + 1 : ow;
    if (*hi < *lo) *hi = *lo;
}

/* Fill col (cg * kh * kw rows of oh * ow) from channels [0, cg) of one image, whose channel c,
 * row r, column q is at image + c * s_c + r * s_h + q * s_w (byte strides). */
static void im2col(const char *image, th_int s_c, th_int s_h, th_int s_w, th_int h, th_int w, th_int cg,
                   const conv_params *p, const conv_geometry *g, th_int y0, th_int y1, real *col) {
    const th_int ow = g->ow, plane = (y1 - y0) * ow;
    for (th_int c = 0; c < cg; c++)
        for (th_int i = 0; i < g->kh; i++)
            for (th_int j = 0; j < g->kw; j++) {
                const th_int ti = p->flip ? g->kh - 1 - i : i, tj = p->flip ? g->kw - 1 - j : j;
                real *out = col + ((c * g->kh + i) * g->kw + j) * plane;
                const th_int col_offset = tj * p->dw - g->pl;
                th_int lo, hi;
                valid_range(col_offset, p->sw, w, ow, &lo, &hi);
                for (th_int y = y0; y < y1; y++) {
                    real *line = out + (y - y0) * ow;
                    const th_int r = y * p->sh + ti * p->dh - g->pt;
                    if (r < 0 || r >= h) {
                        for (th_int x = 0; x < ow; x++) line[x] = 0;
                        continue;
                    }
                    const char *in = image + c * s_c + r * s_h;
                    for (th_int x = 0; x < lo; x++) line[x] = 0;
                    if (s_w == (th_int)sizeof(real) && p->sw == 1) {
                        const real *src = (const real *)in + col_offset;
                        for (th_int x = lo; x < hi; x++) line[x] = src[x];
                    } else {
                        for (th_int x = lo; x < hi; x++) line[x] = *(const real *)(in + (x * p->sw + col_offset) * s_w);
                    }
                    for (th_int x = hi; x < ow; x++) line[x] = 0;
                }
            }
}

/* The reverse of im2col: add each entry of col into the contiguous image (cg channels of h x w)
 * at the position im2col read it from. */
static void col2im(const real *col, th_int h, th_int w, th_int cg, const conv_params *p, const conv_geometry *g,
                   th_int y0, th_int y1, real *image) {
    const th_int ow = g->ow, plane = (y1 - y0) * ow;
    for (th_int c = 0; c < cg; c++)
        for (th_int i = 0; i < g->kh; i++)
            for (th_int j = 0; j < g->kw; j++) {
                const th_int ti = p->flip ? g->kh - 1 - i : i, tj = p->flip ? g->kw - 1 - j : j;
                const real *in = col + ((c * g->kh + i) * g->kw + j) * plane;
                const th_int col_offset = tj * p->dw - g->pl;
                th_int lo, hi;
                valid_range(col_offset, p->sw, w, ow, &lo, &hi);
                for (th_int y = y0; y < y1; y++) {
                    const th_int r = y * p->sh + ti * p->dh - g->pt;
                    if (r < 0 || r >= h) continue;
                    real *row = image + (c * h + r) * w + col_offset;
                    const real *line = in + (y - y0) * ow;
                    if (p->sw == 1) {
                        for (th_int x = lo; x < hi; x++) row[x] += line[x];
                    } else {
                        for (th_int x = lo; x < hi; x++) row[x * p->sw] += line[x];
                    }
                }
            }
}

/* C (m x n, row-major, leading dimension ldc) = alpha * op(A) @ op(B) + beta * C for row-major A and B:
 * BLAS is column-major, so it computes C^T = op(B)^T @ op(A)^T. */
static void gemm_row_major(th_ctx *ctx, void *f, int trans_a, int trans_b, th_int m, th_int n, th_int k, real alpha,
                           const real *a, th_int lda, const real *b, th_int ldb, real beta, real *c, th_int ldc) {
    blas_gemm(ctx, f, trans_b ? 'T' : 'N', trans_a ? 'T' : 'N', (int)n, (int)m, (int)k, alpha, (real *)b, (int)ldb,
              (real *)a, (int)lda, beta, c, (int)ldc);
}

static int check_lengths(th_ctx *ctx, th_int a, th_int b, th_int c) {
    if (check_blas_length(ctx, "conv2d", a) || check_blas_length(ctx, "conv2d", b) ||
        check_blas_length(ctx, "conv2d", c)) return -1;
    return 0;
}

/* Output rows per block of the column buffer: about COL_BLOCK_BYTES of it, so that it stays in
 * cache between im2col and the product. */
#define COL_BLOCK_BYTES (192 * 1024)
/* The filter gradient's products sum over the block: longer blocks suit BLAS better there. */
#define GRADW_BLOCK_BYTES (1024 * 1024)
static th_int block_rows(th_int k, const conv_geometry *g, th_int bytes) {
    const th_int per_row = k * g->ow * (th_int)sizeof(real);
    th_int rows = per_row > 0 ? bytes / per_row : g->oh;
    if (rows < 1) rows = 1;
    return rows < g->oh ? rows : g->oh;
}

/* Threads for the loop over images: one. Each image's product is a BLAS call, and BLAS runs its
 * own thread pool (OpenBLAS built with pthreads does not see an OpenMP region around it), so
 * splitting the images across OpenMP threads ran threads x BLAS threads on the cores: measured
 * 30-50x slower on 2 cores. The products themselves use every core through BLAS. */
static int threads_for(th_ctx *ctx, th_int batch, th_int work) {
    (void)ctx;
    (void)batch;
    (void)work;
    return 1;
}
"""

_FORWARD = r"""
    /* AbstractConv2d: out = conv(img, kern) */
    conv_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_array *img = &ctx->inputs[0], *kern = &ctx->inputs[1];
    if (check_hint(ctx, p.imshp, img, "input") || check_hint(ctx, p.kshp, kern, "filters")) return -1;
    const th_int n = img->dims[0], c = img->dims[1], h = img->dims[2], w = img->dims[3];
    const th_int o = kern->dims[0], cg = kern->dims[1];
    if (check_groups(ctx, &p, c, cg, o)) return -1;
    conv_geometry g;
    conv_geometry_of(&p, h, w, kern->dims[2], kern->dims[3], &g);
    th_int dims[4] = {n, o, g.oh > 0 ? g.oh : 0, g.ow > 0 ? g.ow : 0};
    if (ctx->alloc_output(ctx, 0, 4, dims)) return -1;
    real *out = (real *)ctx->outputs[0].data;
    const th_int og = o / p.groups, k = cg * g.kh * g.kw, plane = dims[2] * dims[3];
    if (n * o * plane == 0) return 0;
    if (k == 0) {
        memset(out, 0, (size_t)(n * o * plane) * sizeof(real));
        return 0;
    }
    if (check_lengths(ctx, k, plane, og)) return -1;
    void *gemm = blas_routine(ctx, BLAS_GEMM, "conv2d", GEMM_NAME);
    if (gemm == NULL) return -1;
    const real *weights = contiguous4(ctx, kern);
    if (weights == NULL) return -1;
    const int threads = threads_for(ctx, n, n * o * plane * k);
    const th_int rows = block_rows(k, &g, COL_BLOCK_BYTES), block = rows * g.ow;
    real *cols = ctx->scratch(ctx, (size_t)threads * (size_t)(k * block) * sizeof(real));
    if (cols == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "conv2d: cannot allocate the column buffer");
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (th_int b = 0; b < n; b++) {
        real *col = cols + (size_t)THREAD_ID() * (size_t)(k * block);
        for (th_int gr = 0; gr < p.groups; gr++)
            for (th_int y0 = 0; y0 < g.oh; y0 += rows) {
                const th_int y1 = y0 + rows < g.oh ? y0 + rows : g.oh, width = (y1 - y0) * g.ow;
                im2col(img->data + b * img->strides[0] + gr * cg * img->strides[1], img->strides[1],
                       img->strides[2], img->strides[3], h, w, cg, &p, &g, y0, y1, col);
                gemm_row_major(ctx, gemm, 0, 0, og, width, k, 1, weights + gr * og * k, k, col, width, 0,
                               out + (b * o + gr * og) * plane + y0 * g.ow, plane);
            }
    }
    return 0;
"""

_GRAD_WEIGHTS = r"""
    /* AbstractConv2d_gradWeights: the gradient of sum(top * conv(img, W)) with respect to W */
    conv_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_array *img = &ctx->inputs[0], *top = &ctx->inputs[1], *shape = &ctx->inputs[2];
    if (shape->dims[0] != 2) TH_FAIL(ctx, TH_VALUE_ERROR, "conv2d: the filter shape must have 2 entries");
    const th_int kh = *(const int64_t *)shape->data, kw = *(const int64_t *)(shape->data + shape->strides[0]);
    if (check_hint(ctx, p.imshp, img, "input")) return -1;
    const th_int n = img->dims[0], c = img->dims[1], h = img->dims[2], w = img->dims[3], o = top->dims[1];
    if (img->dims[0] != top->dims[0]) TH_FAIL(ctx, TH_VALUE_ERROR, "conv2d: the input and the output gradient "
                                              "have different batch sizes");
    const th_int cg = c / p.groups;
    if (check_groups(ctx, &p, c, cg, o)) return -1;
    conv_geometry g;
    conv_geometry_of(&p, h, w, kh, kw, &g);
    if (check_top(ctx, &g, top)) return -1;
    th_int dims[4] = {o, cg, kh, kw};
    if (ctx->alloc_output(ctx, 0, 4, dims)) return -1;
    real *out = (real *)ctx->outputs[0].data;
    const th_int og = o / p.groups, k = cg * kh * kw, plane = g.oh * g.ow;
    if (o * k == 0) return 0;
    if (n * plane == 0) {
        memset(out, 0, (size_t)(o * k) * sizeof(real));
        return 0;
    }
    if (check_lengths(ctx, k, plane, og)) return -1;
    void *gemm = blas_routine(ctx, BLAS_GEMM, "conv2d", GEMM_NAME);
    if (gemm == NULL) return -1;
    const real *grads = contiguous4(ctx, top);
    if (grads == NULL) return -1;
    const th_int rows = block_rows(k, &g, GRADW_BLOCK_BYTES), block = rows * g.ow;
    real *col = ctx->scratch(ctx, (size_t)(k * block) * sizeof(real));
    if (col == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "conv2d: cannot allocate the column buffer");
    for (th_int b = 0; b < n; b++)
        for (th_int gr = 0; gr < p.groups; gr++)
            for (th_int y0 = 0; y0 < g.oh; y0 += rows) {
                const th_int y1 = y0 + rows < g.oh ? y0 + rows : g.oh, width = (y1 - y0) * g.ow;
                im2col(img->data + b * img->strides[0] + gr * cg * img->strides[1], img->strides[1],
                       img->strides[2], img->strides[3], h, w, cg, &p, &g, y0, y1, col);
                gemm_row_major(ctx, gemm, 0, 1, og, k, width, 1, grads + (b * o + gr * og) * plane + y0 * g.ow,
                               plane, col, width, b == 0 && y0 == 0 ? 0 : 1, out + gr * og * k, k);
            }
    return 0;
"""

_GRAD_INPUTS = r"""
    /* AbstractConv2d_gradInputs: the gradient of sum(top * conv(X, kern)) with respect to X */
    conv_params p;
    memcpy(&p, ctx->params, sizeof p);
    const th_array *kern = &ctx->inputs[0], *top = &ctx->inputs[1], *shape = &ctx->inputs[2];
    if (shape->dims[0] != 2) TH_FAIL(ctx, TH_VALUE_ERROR, "conv2d: the input shape must have 2 entries");
    const th_int h = *(const int64_t *)shape->data, w = *(const int64_t *)(shape->data + shape->strides[0]);
    if (check_hint(ctx, p.kshp, kern, "filters")) return -1;
    const th_int n = top->dims[0], o = kern->dims[0], cg = kern->dims[1], c = cg * p.groups;
    if (top->dims[1] != o) TH_FAIL(ctx, TH_VALUE_ERROR, "conv2d: the output gradient's channels differ from the "
                                   "number of filters");
    if (check_groups(ctx, &p, c, cg, o)) return -1;
    conv_geometry g;
    conv_geometry_of(&p, h, w, kern->dims[2], kern->dims[3], &g);
    if (check_top(ctx, &g, top)) return -1;
    th_int dims[4] = {n, c, h, w};
    if (ctx->alloc_output(ctx, 0, 4, dims)) return -1;
    real *out = (real *)ctx->outputs[0].data;
    const th_int og = o / p.groups, k = cg * g.kh * g.kw, plane = g.oh * g.ow, image = c * h * w;
    if (n * image == 0) return 0;
    memset(out, 0, (size_t)(n * image) * sizeof(real));
    if (k * plane * og == 0) return 0;
    if (check_lengths(ctx, k, plane, og)) return -1;
    void *gemm = blas_routine(ctx, BLAS_GEMM, "conv2d", GEMM_NAME);
    if (gemm == NULL) return -1;
    const real *weights = contiguous4(ctx, kern), *grads = contiguous4(ctx, top);
    if (weights == NULL || grads == NULL) return -1;
    const int threads = threads_for(ctx, n, n * o * plane * k);
    const th_int rows = block_rows(k, &g, COL_BLOCK_BYTES), block = rows * g.ow;
    real *cols = ctx->scratch(ctx, (size_t)threads * (size_t)(k * block) * sizeof(real));
    if (cols == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "conv2d: cannot allocate the column buffer");
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (th_int b = 0; b < n; b++) {
        real *col = cols + (size_t)THREAD_ID() * (size_t)(k * block);
        for (th_int gr = 0; gr < p.groups; gr++)
            for (th_int y0 = 0; y0 < g.oh; y0 += rows) {
                const th_int y1 = y0 + rows < g.oh ? y0 + rows : g.oh, width = (y1 - y0) * g.ow;
                gemm_row_major(ctx, gemm, 1, 0, k, width, og, 1, weights + gr * og * k, k,
                               grads + (b * o + gr * og) * plane + y0 * g.ow, plane, 0, col, width);
                col2im(col, h, w, cg, &p, &g, y0, y1, out + b * image + gr * cg * h * w);
            }
    }
    return 0;
"""

_BODIES = {AbstractConv2d: ("conv2d", _FORWARD), AbstractConv2d_gradWeights: ("conv2d_gradw", _GRAD_WEIGHTS),
           AbstractConv2d_gradInputs: ("conv2d_gradi", _GRAD_INPUTS)}


def conv_params(op: BaseAbstractConv) -> bytes:
    """The op's geometry as the kernel reads it (``conv_params`` in the C source)."""
    if op.border_mode == "full":
        mode, pads = 1, (0, 0, 0, 0)
    elif op.border_mode == "half":
        mode, pads = 2, (0, 0, 0, 0)
    else:
        mode = 0
        (top, bottom), (left, right) = op.pads((1, 1))
        pads = (top, bottom, left, right)
    hints = [-1 if s is None else s for s in op.imshp + op.kshp]
    values = [mode, *pads, *op.subsample, *op.filter_dilation, int(op.filter_flip), op.num_groups, *hints]
    return np.asarray(values, dtype=np.int64).tobytes()


@register_kernel(AbstractConv2d, AbstractConv2d_gradWeights, AbstractConv2d_gradInputs)
def conv_kernel(node) -> Kernel | None:
    """im2col + GEMM kernel of a float32/float64 convolution node (None for other dtypes)."""
    tensors = list(node.inputs[:2]) + list(node.outputs)
    if not all(isinstance(v.type, TensorType) for v in tensors):
        return None
    dtypes = {v.type.dtype for v in tensors}
    if len(dtypes) != 1 or next(iter(dtypes)) not in _FLOATS:
        return None
    if len(node.inputs) == 3 and node.inputs[2].type.dtype != "int64":
        return None
    prefix, body = _BODIES[type(node.op)]
    source = (_prelude(next(iter(dtypes)), (_CONV,)) + f"\n/* {type(node.op).__name__} */\n"
              "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {\n" + body + "}\n")
    name = symbol_name(prefix, source)
    return Kernel(name, source.replace("KERNEL_NAME", name), params=conv_params(node.op))
