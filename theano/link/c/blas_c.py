"""Kernels for the BLAS ops (``Dot22``, ``Dot22Scalar``, ``Gemm``, ``Gemv``, ``Ger``) and for ``Dot``
on float32/float64 vectors and matrices.

The kernels call BLAS (NumPy's OpenBLAS or SciPy's) through the runtime's table ``ctx->blas`` (Fortran calling
convention: every argument by pointer, column-major matrices). A C-ordered (row-major) matrix is
a column-major matrix transposed, so it is passed with the transpose flag, and a row-major
result ``c`` is computed as ``c^T = b^T a^T``. BLAS needs one unit stride per matrix and a
leading dimension of at least the other length; vectors need a non-zero element stride. Operands
with other layouts (reversed, broadcast, strided in both dimensions) are copied into scratch
memory first; an inplace output with such a layout is computed in scratch memory and copied back.

The semantics are those of the ops' ``perform`` (:mod:`theano.tensor.blas`): ``b == 0`` ignores
the old content of ``z`` (a NaN there does not reach the result), ``a == 0`` still reads ``x``
and ``y`` (``0 * dot(x, y)``, NaN where the product has a NaN or an infinity), an empty sum
(``k == 0``) gives ``b * z``, and zero-size outputs call no BLAS routine at all.
"""

from __future__ import annotations

from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type
from theano.tensor.blas import Dot22, Dot22Scalar, Gemm, Gemv, Ger
from theano.tensor.products import Dot
from theano.tensor.type import TensorType

# The dtypes of the BLAS routines the runtime provides, with their one-letter BLAS prefix.
_PREFIX = {"float32": "s", "float64": "d"}

# The 0-d scale factors may have any of these dtypes (converted to the matrices' dtype).
_SCALAR_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")

# -- C shared by every BLAS kernel ---------------------------------------------------------

_COMMON = r"""
#include <limits.h>

#include <stdint.h>

/* The BLAS routines (Fortran convention: arguments by pointer, column-major matrices), with
 * 32-bit (`int`) or 64-bit integer arguments: ctx->blas_int64 says which the library takes. */
#define BLAS_TYPEDEFS(suffix, integer)                                                                  \
    typedef void (*gemm##suffix)(char *, char *, integer *, integer *, integer *, real *, real *, integer *, \
                                 real *, integer *, real *, real *, integer *);                          \
    typedef void (*gemv##suffix)(char *, integer *, integer *, real *, real *, integer *, real *, integer *, \
                                 real *, real *, integer *);                                             \
    typedef void (*ger##suffix)(integer *, integer *, real *, real *, integer *, real *, integer *, real *,  \
                                integer *);                                                              \
    typedef real (*dot##suffix)(integer *, real *, integer *, real *, integer *);
BLAS_TYPEDEFS(_fn32, int)
BLAS_TYPEDEFS(_fn64, int64_t)

/* The BLAS routine at `slot` of ctx->blas, or NULL after setting an error. */
static void *blas_routine(th_ctx *ctx, int slot, const char *op, const char *name) {
    void *routine = ctx->blas[slot];
    if (routine == NULL) {
        char message[256];
        snprintf(message, sizeof message, "%s: the BLAS routine %s is not available (neither NumPy's OpenBLAS "
                 "nor scipy.linalg.cython_blas could be loaded)", op, name);
        ctx->set_error(ctx, TH_RUNTIME_ERROR, message);
    }
    return routine;
}

/* One BLAS call with the integer arguments in the library's width (all lengths fit in int). */
static void blas_gemm(th_ctx *ctx, void *f, char ta, char tb, int m, int n, int k, real alpha, real *a, int lda,
                      real *b, int ldb, real beta, real *c, int ldc) {
    if (ctx->blas_int64) {
        int64_t m_ = m, n_ = n, k_ = k, lda_ = lda, ldb_ = ldb, ldc_ = ldc;
        ((gemm_fn64)f)(&ta, &tb, &m_, &n_, &k_, &alpha, a, &lda_, b, &ldb_, &beta, c, &ldc_);
    } else {
        ((gemm_fn32)f)(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
    }
}

static void blas_gemv(th_ctx *ctx, void *f, char trans, int m, int n, real alpha, real *a, int lda, real *x,
                      int incx, real beta, real *y, int incy) {
    if (ctx->blas_int64) {
        int64_t m_ = m, n_ = n, lda_ = lda, incx_ = incx, incy_ = incy;
        ((gemv_fn64)f)(&trans, &m_, &n_, &alpha, a, &lda_, x, &incx_, &beta, y, &incy_);
    } else {
        ((gemv_fn32)f)(&trans, &m, &n, &alpha, a, &lda, x, &incx, &beta, y, &incy);
    }
}

static void blas_ger(th_ctx *ctx, void *f, int m, int n, real alpha, real *x, int incx, real *y, int incy,
                     real *a, int lda) {
    if (ctx->blas_int64) {
        int64_t m_ = m, n_ = n, incx_ = incx, incy_ = incy, lda_ = lda;
        ((ger_fn64)f)(&m_, &n_, &alpha, x, &incx_, y, &incy_, a, &lda_);
    } else {
        ((ger_fn32)f)(&m, &n, &alpha, x, &incx, y, &incy, a, &lda);
    }
}

static real blas_dot(th_ctx *ctx, void *f, int n, real *x, int incx, real *y, int incy) {
    if (ctx->blas_int64) {
        int64_t n_ = n, incx_ = incx, incy_ = incy;
        return ((dot_fn64)f)(&n_, x, &incx_, y, &incy_);
    }
    return ((dot_fn32)f)(&n, x, &incx, y, &incy);
}

/* A shape as Python prints it: "(3, 4)", "(3,)", "()". */
static void format_shape(char *text, size_t size, int nd, const th_int *dims) {
    size_t used = (size_t)snprintf(text, size, "(");
    for (int d = 0; d < nd && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (used < size) snprintf(text + used, size - used, nd == 1 ? ",)" : ")");
}

/* The ValueError of dot when the summed lengths differ (left's last axis, right's first). */
static int check_aligned(th_ctx *ctx, const char *op, const th_array *left, const th_array *right) {
    if (left->dims[left->nd - 1] == right->dims[0]) return 0;
    char a[96], b[96], message[400];
    format_shape(a, sizeof a, left->nd, left->dims);
    format_shape(b, sizeof b, right->nd, right->dims);
    snprintf(message, sizeof message, "%s: shapes %s and %s not aligned: %lld (dim %d) != %lld (dim 0)", op, a, b,
             (long long)left->dims[left->nd - 1], left->nd - 1, (long long)right->dims[0]);
    TH_FAIL(ctx, TH_VALUE_ERROR, message);
}

/* The ValueError when the first input (the one added to) does not have the product's shape. */
static int check_target(th_ctx *ctx, const char *op, const char *expression, const th_array *target, int nd,
                        const th_int *product) {
    int same = target->nd == nd;
    for (int d = 0; same && d < nd; d++) same = target->dims[d] == product[d];
    if (same) return 0;
    char a[96], b[96], message[512];
    format_shape(a, sizeof a, target->nd, target->dims);
    format_shape(b, sizeof b, nd, product);
    snprintf(message, sizeof message, "%s: in %s, the shape %s of the first input differs from the shape %s of the "
             "product", op, expression, a, b);
    TH_FAIL(ctx, TH_VALUE_ERROR, message);
}

/* BLAS takes 32-bit lengths. */
static int check_blas_length(th_ctx *ctx, const char *op, th_int length) {
    if (length <= INT_MAX) return 0;
    char message[256];
    snprintf(message, sizeof message, "%s: length %lld is too large for BLAS (32-bit lengths)", op, (long long)length);
    TH_FAIL(ctx, TH_VALUE_ERROR, message);
}

/* The bytes [*low, *high) an array's elements lie in (empty for a 0-size array). */
static void byte_range(const th_array *a, const char **low, const char **high) {
    const char *lo = a->data, *hi = a->data + sizeof(real);
    for (int d = 0; d < a->nd; d++) {
        if (a->dims[d] == 0) {
            *low = *high = a->data;
            return;
        }
        th_int span = (a->dims[d] - 1) * a->strides[d];
        if (span < 0) lo += span; else hi += span;
    }
    *low = lo;
    *high = hi;
}

static int overlap(const th_array *a, const th_array *b) {
    const char *alo, *ahi, *blo, *bhi;
    byte_range(a, &alo, &ahi);
    byte_range(b, &blo, &bhi);
    return alo < bhi && blo < ahi;
}

/* Element (i, j) of a matrix, and element i of a vector, of any strides. */
#define AT2(a, i, j) (*(real *)((a)->data + (i) * (a)->strides[0] + (j) * (a)->strides[1]))
#define AT1(a, i) (*(real *)((a)->data + (i) * (a)->strides[0]))

/* A matrix as BLAS reads it: element (i, j) is data[i * ld + j] if row_major, else data[i + j * ld]. */
typedef struct {
    real *data;
    int ld;
    int row_major;
} blas_matrix;

/* Whether a rows x cols matrix with byte strides s0, s1 can be passed to BLAS as it is (then fills m):
 * a unit stride along one dimension, and a leading dimension of at least the other length. */
static int blas_view(char *data, th_int rows, th_int cols, th_int s0, th_int s1, blas_matrix *m) {
    const th_int size = (th_int)sizeof(real);
    const th_int min_row_ld = cols > 1 ? cols : 1, min_col_ld = rows > 1 ? rows : 1;
    if ((cols <= 1 || s1 == size) &&
        (rows <= 1 || (s0 % size == 0 && s0 / size >= min_row_ld && s0 / size <= INT_MAX))) {
        m->data = (real *)data;
        m->ld = (int)(rows <= 1 ? min_row_ld : s0 / size);
        m->row_major = 1;
        return 1;
    }
    if ((rows <= 1 || s0 == size) &&
        (cols <= 1 || (s1 % size == 0 && s1 / size >= min_col_ld && s1 / size <= INT_MAX))) {
        m->data = (real *)data;
        m->ld = (int)(cols <= 1 ? min_col_ld : s1 / size);
        m->row_major = 0;
        return 1;
    }
    return 0;
}

/* Copy matrix `a` into row-major scratch memory (leading dimension max(1, cols)). */
static int blas_copy(th_ctx *ctx, const th_array *a, blas_matrix *m) {
    const th_int rows = a->dims[0], cols = a->dims[1];
    real *copy = ctx->scratch(ctx, (size_t)(rows * cols) * sizeof(real));
    if (copy == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate a copy of a BLAS operand");
    for (th_int i = 0; i < rows; i++)
        for (th_int j = 0; j < cols; j++) copy[i * cols + j] = AT2(a, i, j);
    m->data = copy;
    m->ld = (int)(cols > 1 ? cols : 1);
    m->row_major = 1;
    return 0;
}

/* Matrix input `a` as a BLAS operand: itself if its layout allows, else a copy (always a copy when
 * `separate`, because the output overwrites memory that `a` reads). */
static int blas_operand(th_ctx *ctx, const th_array *a, int separate, blas_matrix *m) {
    if (!separate && blas_view(a->data, a->dims[0], a->dims[1], a->strides[0], a->strides[1], m)) return 0;
    return blas_copy(ctx, a, m);
}

/* A vector as BLAS reads it: element i is data[i * inc], where for inc < 0 data is the element
 * lowest in memory (the last one), as BLAS counts negative increments. */
typedef struct {
    real *data;
    int inc;
} blas_vector;

static int blas_vector_view(char *data, th_int n, th_int stride, blas_vector *v) {
    const th_int size = (th_int)sizeof(real);
    if (n <= 1) {
        v->data = (real *)data;
        v->inc = 1;
        return 1;
    }
    if (stride == 0 || stride % size != 0 || stride / size > INT_MAX || stride / size < -INT_MAX) return 0;
    v->inc = (int)(stride / size);
    v->data = (real *)(stride < 0 ? data + (n - 1) * stride : data);
    return 1;
}

/* Vector input `a` as a BLAS operand: itself if its stride allows, else a contiguous copy. */
static int blas_vector_operand(th_ctx *ctx, const th_array *a, int separate, blas_vector *v) {
    const th_int n = a->dims[0];
    if (!separate && blas_vector_view(a->data, n, a->strides[0], v)) return 0;
    real *copy = ctx->scratch(ctx, (size_t)n * sizeof(real));
    if (copy == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate a copy of a BLAS operand");
    for (th_int i = 0; i < n; i++) copy[i] = AT1(a, i);
    v->data = copy;
    v->inc = 1;
    return 0;
}

/* The transpose of a matrix, as a view (no copy). */
static th_array transposed(const th_array *a, th_int *dims, th_int *strides) {
    th_array t = *a;
    dims[0] = a->dims[1];
    dims[1] = a->dims[0];
    strides[0] = a->strides[1];
    strides[1] = a->strides[0];
    t.dims = dims;
    t.strides = strides;
    return t;
}
"""

# -- matrix products -----------------------------------------------------------------------

_GEMM = r"""
/* c = alpha * a @ b + beta * c through ?gemm, for a (m x k), b (k x n), c (m x n), all lengths > 0. */
static int call_gemm(th_ctx *ctx, const char *op, int m, int n, int k, real alpha, const blas_matrix *a,
                     const blas_matrix *b, real beta, const blas_matrix *c) {
    if ((m == 1 || n == 1) && ctx->blas[BLAS_GEMV] != NULL) {
        /* a product with one row or one column is a matrix-vector product: ?gemv is faster than
         * ?gemm there (measured: 1x784 @ 784x500 in 167 us through dgemm, 50 us through dgemv) */
        void *gemv = ctx->blas[BLAS_GEMV];
        if (n == 1) {  /* c[:, 0] = alpha * a @ b[:, 0] + beta * c[:, 0] */
            const int incx = b->row_major ? b->ld : 1, incy = c->row_major ? c->ld : 1;
            if (a->row_major)
                blas_gemv(ctx, gemv, 'T', k, m, alpha, a->data, a->ld, b->data, incx, beta, c->data, incy);
            else
                blas_gemv(ctx, gemv, 'N', m, k, alpha, a->data, a->ld, b->data, incx, beta, c->data, incy);
        } else {       /* c[0, :] = alpha * b^T @ a[0, :] + beta * c[0, :] */
            const int incx = a->row_major ? 1 : a->ld, incy = c->row_major ? 1 : c->ld;
            if (b->row_major)
                blas_gemv(ctx, gemv, 'N', n, k, alpha, b->data, b->ld, a->data, incx, beta, c->data, incy);
            else
                blas_gemv(ctx, gemv, 'T', k, n, alpha, b->data, b->ld, a->data, incx, beta, c->data, incy);
        }
        return 0;
    }
    void *gemm = blas_routine(ctx, BLAS_GEMM, op, GEMM_NAME);
    if (gemm == NULL) return -1;
    if (c->row_major) {
        /* BLAS is column-major: a row-major c is c^T, computed as b^T @ a^T */
        blas_gemm(ctx, gemm, b->row_major ? 'N' : 'T', a->row_major ? 'N' : 'T', n, m, k, alpha, b->data, b->ld,
                  a->data, a->ld, beta, c->data, c->ld);
    } else {
        blas_gemm(ctx, gemm, a->row_major ? 'T' : 'N', b->row_major ? 'T' : 'N', m, n, k, alpha, a->data, a->ld,
                  b->data, b->ld, beta, c->data, c->ld);
    }
    return 0;
}

/* out = beta * out + alpha * x @ y, with out (m x n) already holding z when beta != 0 (the Gemm of
 * theano.tensor.blas.gemm_numpy). `empty` is the value of an empty product (k == 0) when beta == 0. */
static int gemm_into(th_ctx *ctx, const char *op, th_array *out, real alpha, const th_array *x, const th_array *y,
                     real beta, real empty) {
    const th_int m = x->dims[0], k = x->dims[1], n = y->dims[1];
    if (m == 0 || n == 0) return 0;
    if (k == 0) {  /* an empty sum: nothing to add to beta * z */
        for (th_int i = 0; i < m; i++)
            for (th_int j = 0; j < n; j++) AT2(out, i, j) = beta == 0 ? empty : AT2(out, i, j) * beta;
        return 0;
    }
    if (check_blas_length(ctx, op, m) || check_blas_length(ctx, op, n) || check_blas_length(ctx, op, k)) return -1;
    blas_matrix a, b, c;
    if (blas_operand(ctx, x, overlap(out, x), &a) || blas_operand(ctx, y, overlap(out, y), &b)) return -1;
    if (alpha == 0) {
        /* BLAS would not read x and y; 0 * dot(x, y) still has NaN where the product has NaN or inf */
        real *product = ctx->scratch(ctx, (size_t)(m * n) * sizeof(real));
        if (product == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate a product");
        c.data = product;
        c.ld = (int)n;
        c.row_major = 1;
        if (call_gemm(ctx, op, (int)m, (int)n, (int)k, 1, &a, &b, 0, &c)) return -1;
        for (th_int i = 0; i < m; i++)
            for (th_int j = 0; j < n; j++) {
                const real scaled = product[i * n + j] * alpha;
                AT2(out, i, j) = beta == 0 ? scaled : scaled + beta * AT2(out, i, j);
            }
        return 0;
    }
    if (blas_view(out->data, m, n, out->strides[0], out->strides[1], &c))
        return call_gemm(ctx, op, (int)m, (int)n, (int)k, alpha, &a, &b, beta, &c);
    /* an output BLAS cannot write in place: compute in scratch memory, then copy back */
    if (blas_copy(ctx, out, &c)) return -1;
    if (call_gemm(ctx, op, (int)m, (int)n, (int)k, alpha, &a, &b, beta, &c)) return -1;
    for (th_int i = 0; i < m; i++)
        for (th_int j = 0; j < n; j++) AT2(out, i, j) = c.data[i * c.ld + j];
    return 0;
}

/* Copy matrix src into dst (same shape, any strides). */
static void copy_matrix(th_array *dst, const th_array *src) {
    for (th_int i = 0; i < src->dims[0]; i++)
        for (th_int j = 0; j < src->dims[1]; j++) AT2(dst, i, j) = AT2(src, i, j);
}
"""

# -- matrix-vector products ----------------------------------------------------------------

_GEMV = r"""
/* y = alpha * a @ x + beta * y through ?gemv, for a (m x k), x (k), y (m), all lengths > 0. */
static int call_gemv(th_ctx *ctx, const char *op, int m, int k, real alpha, const blas_matrix *a,
                     const blas_vector *x, real beta, const blas_vector *y) {
    void *gemv = blas_routine(ctx, BLAS_GEMV, op, GEMV_NAME);
    if (gemv == NULL) return -1;
    if (a->row_major)  /* a row-major a is the column-major k x m matrix a^T */
        blas_gemv(ctx, gemv, 'T', k, m, alpha, a->data, a->ld, x->data, x->inc, beta, y->data, y->inc);
    else
        blas_gemv(ctx, gemv, 'N', m, k, alpha, a->data, a->ld, x->data, x->inc, beta, y->data, y->inc);
    return 0;
}

/* out = beta * out + alpha * A @ x, with out (m) already holding y when beta != 0 (the Gemv of
 * theano.tensor.blas.gemv_numpy); an empty product (k == 0) with beta == 0 gives zeros. */
static int gemv_into(th_ctx *ctx, const char *op, th_array *out, real alpha, const th_array *A, const th_array *x,
                     real beta) {
    const th_int m = A->dims[0], k = A->dims[1];
    if (m == 0) return 0;
    if (k == 0) {
        for (th_int i = 0; i < m; i++) AT1(out, i) = beta == 0 ? 0 : AT1(out, i) * beta;
        return 0;
    }
    if (check_blas_length(ctx, op, m) || check_blas_length(ctx, op, k)) return -1;
    blas_matrix a;
    blas_vector v, w;
    if (blas_operand(ctx, A, overlap(out, A), &a) || blas_vector_operand(ctx, x, overlap(out, x), &v)) return -1;
    if (alpha == 0) {
        /* as in gemm_into: keep the NaN of 0 * dot(A, x) */
        real *product = ctx->scratch(ctx, (size_t)m * sizeof(real));
        if (product == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate a product");
        w.data = product;
        w.inc = 1;
        if (call_gemv(ctx, op, (int)m, (int)k, 1, &a, &v, 0, &w)) return -1;
        for (th_int i = 0; i < m; i++) {
            const real scaled = product[i] * alpha;
            AT1(out, i) = beta == 0 ? scaled : scaled + beta * AT1(out, i);
        }
        return 0;
    }
    if (blas_vector_view(out->data, m, out->strides[0], &w))
        return call_gemv(ctx, op, (int)m, (int)k, alpha, &a, &v, beta, &w);
    /* a broadcast output (stride 0): compute in scratch memory, then copy back */
    real *work = ctx->scratch(ctx, (size_t)m * sizeof(real));
    if (work == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "cannot allocate a product");
    for (th_int i = 0; i < m; i++) work[i] = beta == 0 ? 0 : AT1(out, i);
    w.data = work;
    w.inc = 1;
    if (call_gemv(ctx, op, (int)m, (int)k, alpha, &a, &v, beta, &w)) return -1;
    for (th_int i = 0; i < m; i++) AT1(out, i) = work[i];
    return 0;
}

/* Copy vector src into dst (same length, any strides). */
static void copy_vector(th_array *dst, const th_array *src) {
    for (th_int i = 0; i < src->dims[0]; i++) AT1(dst, i) = AT1(src, i);
}
"""

# -- rank-1 updates ------------------------------------------------------------------------

_GER = r"""
/* out += alpha * outer(x, y) (the Ger of theano.tensor.blas.ger_numpy), out (m x n). */
static int ger_into(th_ctx *ctx, const char *op, th_array *out, real alpha, const th_array *x, const th_array *y) {
    const th_int m = out->dims[0], n = out->dims[1];
    if (m == 0 || n == 0) return 0;
    if (alpha == 0) {
        /* BLAS would skip the update; 0 * outer(x, y) still has NaN where x or y has NaN or inf */
        for (th_int i = 0; i < m; i++)
            for (th_int j = 0; j < n; j++) AT2(out, i, j) = AT2(out, i, j) + AT1(x, i) * AT1(y, j) * alpha;
        return 0;
    }
    if (check_blas_length(ctx, op, m) || check_blas_length(ctx, op, n)) return -1;
    void *ger = blas_routine(ctx, BLAS_GER, op, GER_NAME);
    if (ger == NULL) return -1;
    blas_vector u, v;
    if (blas_vector_operand(ctx, x, overlap(out, x), &u) || blas_vector_operand(ctx, y, overlap(out, y), &v))
        return -1;
    blas_matrix a;
    const int direct = blas_view(out->data, m, n, out->strides[0], out->strides[1], &a);
    if (!direct && blas_copy(ctx, out, &a)) return -1;
    if (a.row_major)  /* the column-major a^T gets outer(y, x) */
        blas_ger(ctx, ger, (int)n, (int)m, alpha, v.data, v.inc, u.data, u.inc, a.data, a.ld);
    else
        blas_ger(ctx, ger, (int)m, (int)n, alpha, u.data, u.inc, v.data, v.inc, a.data, a.ld);
    if (!direct)
        for (th_int i = 0; i < m; i++)
            for (th_int j = 0; j < n; j++) AT2(out, i, j) = a.data[i * a.ld + j];
    return 0;
}
"""

# -- inner products ------------------------------------------------------------------------

_DOT = r"""
/* The inner product of two vectors of length n > 0 through ?dot. */
static int call_dot(th_ctx *ctx, const char *op, const th_array *x, const th_array *y, real *result) {
    const th_int n = x->dims[0];
    if (check_blas_length(ctx, op, n)) return -1;
    void *dot = blas_routine(ctx, BLAS_DOT, op, DOT_NAME);
    if (dot == NULL) return -1;
    blas_vector u, v;
    if (blas_vector_operand(ctx, x, 0, &u) || blas_vector_operand(ctx, y, 0, &v)) return -1;
    *result = blas_dot(ctx, dot, (int)n, u.data, u.inc, v.data, v.inc);
    return 0;
}
"""


def _prelude(dtype: str, sections: tuple[str, ...]) -> str:
    """``real`` and the BLAS routines for ``dtype``, then the helper sections a kernel uses."""
    p = _PREFIX[dtype]
    lines = [
        f"typedef {c_type(dtype)} real;",
        f"#define BLAS_GEMM TH_{p.upper()}GEMM",
        f"#define BLAS_GEMV TH_{p.upper()}GEMV",
        f"#define BLAS_GER TH_{p.upper()}GER",
        f"#define BLAS_DOT TH_{p.upper()}DOT",
        f'#define GEMM_NAME "{p}gemm"',
        f'#define GEMV_NAME "{p}gemv"',
        f'#define GER_NAME "{p}ger"',
        f'#define DOT_NAME "{p}dot"',
    ]
    return "\n".join(lines) + "\n" + _COMMON + "".join(sections)


def _signature(node) -> str:
    ins = ", ".join(str(v.type) for v in node.inputs)
    outs = ", ".join(str(v.type) for v in node.outputs)
    return f"/* {node.op} : ({ins}) -> ({outs}) */"


def _kernel(prefix: str, node, dtype: str, sections: tuple[str, ...], body: str) -> Kernel:
    source = (_prelude(dtype, sections) + "\n" + _signature(node) + "\nTH_EXPORT int KERNEL_NAME(th_ctx *ctx) {\n"
              + body + "}\n")
    name = symbol_name(prefix, source)
    return Kernel(name, source.replace("KERNEL_NAME", name))


def _matrices_dtype(node, tensors: list[int], scalars: list[int]) -> str | None:
    """The float dtype shared by the tensor inputs and the output, or None when BLAS cannot run the node."""
    variables = [node.inputs[k] for k in tensors] + list(node.outputs)
    if not all(isinstance(v.type, TensorType) for v in variables + [node.inputs[k] for k in scalars]):
        return None
    dtypes = {v.type.dtype for v in variables}
    if len(dtypes) != 1:
        return None
    (dtype,) = dtypes
    if dtype not in _PREFIX:
        return None
    if any(node.inputs[k].type.dtype not in _SCALAR_DTYPES for k in scalars):
        return None
    return dtype


def _scalar(node, k: int, name: str) -> str:
    """C declaring ``name`` as the 0-d input ``k`` converted to ``real``."""
    return f"    const real {name} = (real)*(const {c_type(node.inputs[k].type.dtype)} *)ctx->inputs[{k}].data;\n"


@register_kernel(Dot22, Dot22Scalar)
def dot22_kernel(node) -> Kernel | None:
    """``dot(x, y)`` (``a * dot(x, y)`` for Dot22Scalar) of two float matrices through ?gemm."""
    scaled = isinstance(node.op, Dot22Scalar)
    dtype = _matrices_dtype(node, [0, 1], [2] if scaled else [])
    if dtype is None:
        return None
    op = str(node.op)
    body = "    const th_array *x = &ctx->inputs[0], *y = &ctx->inputs[1];\n"
    body += _scalar(node, 2, "alpha") if scaled else "    const real alpha = 1;\n"
    body += (f'    if (check_aligned(ctx, "{op}", x, y)) return -1;\n'
             "    th_int dims[2] = {x->dims[0], y->dims[1]};\n"
             "    if (ctx->alloc_output(ctx, 0, 2, dims)) return -1;\n"
             "    /* numpy.dot of an empty sum, times alpha */\n"
             f'    return gemm_into(ctx, "{op}", &ctx->outputs[0], alpha, x, y, 0, (real)0 * alpha);\n')
    return _kernel("dot22", node, dtype, (_GEMM,), body)


@register_kernel(Gemm)
def gemm_kernel(node) -> Kernel | None:
    """``b * z + a * dot(x, y)`` through ?gemm, written into ``z`` for the inplace op."""
    dtype = _matrices_dtype(node, [0, 2, 3], [1, 4])
    if dtype is None:
        return None
    op = str(node.op)
    body = ("    const th_array *z = &ctx->inputs[0], *x = &ctx->inputs[2], *y = &ctx->inputs[3];\n"
            + _scalar(node, 1, "alpha") + _scalar(node, 4, "beta")
            + f'    if (check_aligned(ctx, "{op}", x, y)) return -1;\n'
            "    th_int dims[2] = {x->dims[0], y->dims[1]};\n"
            f'    if (check_target(ctx, "{op}", "b * z + a * dot(x, y)", z, 2, dims)) return -1;\n'
            "    if (ctx->alloc_output(ctx, 0, 2, dims)) return -1;\n"
            "    th_array *out = &ctx->outputs[0];\n")
    if node.op.inplace:
        body += "    /* inplace: out is z itself */\n"
    else:
        body += "    if (beta != 0) copy_matrix(out, z);  /* beta == 0: z is not read, even its NaN */\n"
    body += f'    return gemm_into(ctx, "{op}", out, alpha, x, y, beta, 0);\n'
    return _kernel("gemm", node, dtype, (_GEMM,), body)


@register_kernel(Gemv)
def gemv_kernel(node) -> Kernel | None:
    """``b * y + a * dot(A, x)`` through ?gemv, written into ``y`` for the inplace op."""
    dtype = _matrices_dtype(node, [0, 2, 3], [1, 4])
    if dtype is None:
        return None
    op = str(node.op)
    body = ("    const th_array *y = &ctx->inputs[0], *A = &ctx->inputs[2], *x = &ctx->inputs[3];\n"
            + _scalar(node, 1, "alpha") + _scalar(node, 4, "beta")
            + f'    if (check_aligned(ctx, "{op}", A, x)) return -1;\n'
            "    th_int dims[1] = {A->dims[0]};\n"
            f'    if (check_target(ctx, "{op}", "b * y + a * dot(A, x)", y, 1, dims)) return -1;\n'
            "    if (ctx->alloc_output(ctx, 0, 1, dims)) return -1;\n"
            "    th_array *out = &ctx->outputs[0];\n")
    if node.op.inplace:
        body += "    /* inplace: out is y itself */\n"
    else:
        body += "    if (beta != 0) copy_vector(out, y);  /* beta == 0: y is not read, even its NaN */\n"
    body += f'    return gemv_into(ctx, "{op}", out, alpha, A, x, beta);\n'
    return _kernel("gemv", node, dtype, (_GEMV,), body)


@register_kernel(Ger)
def ger_kernel(node) -> Kernel | None:
    """``A + a * outer(x, y)`` through ?ger, written into ``A`` for the destructive op."""
    dtype = _matrices_dtype(node, [0, 2, 3], [1])
    if dtype is None:
        return None
    op = str(node.op)
    body = ("    const th_array *A = &ctx->inputs[0], *x = &ctx->inputs[2], *y = &ctx->inputs[3];\n"
            + _scalar(node, 1, "alpha")
            + "    th_int dims[2] = {x->dims[0], y->dims[0]};\n"
            f'    if (check_target(ctx, "{op}", "A + a * outer(x, y)", A, 2, dims)) return -1;\n'
            "    if (ctx->alloc_output(ctx, 0, 2, dims)) return -1;\n"
            "    th_array *out = &ctx->outputs[0];\n")
    if node.op.destructive:
        body += "    /* destructive: out is A itself */\n"
    else:
        body += ("    /* a new output: copy A into it, then update it */\n"
                 "    for (th_int i = 0; i < dims[0]; i++)\n"
                 "        for (th_int j = 0; j < dims[1]; j++) AT2(out, i, j) = AT2(A, i, j);\n")
    body += f'    return ger_into(ctx, "{op}", out, alpha, x, y);\n'
    return _kernel("ger", node, dtype, (_GER,), body)


@register_kernel(Dot)
def dot_kernel(node) -> Kernel | None:
    """``numpy.dot`` of float32/float64 vectors and matrices of one dtype through BLAS (None for others)."""
    dtype = _matrices_dtype(node, [0, 1], [])
    if dtype is None:
        return None
    x_nd, y_nd = node.inputs[0].type.ndim, node.inputs[1].type.ndim
    body = ("    const th_array *x = &ctx->inputs[0], *y = &ctx->inputs[1];\n"
            '    if (check_aligned(ctx, "dot", x, y)) return -1;\n')
    if x_nd == 2 and y_nd == 2:
        body += ("    th_int dims[2] = {x->dims[0], y->dims[1]};\n"
                 "    if (ctx->alloc_output(ctx, 0, 2, dims)) return -1;\n"
                 '    return gemm_into(ctx, "dot", &ctx->outputs[0], 1, x, y, 0, 0);\n')
        sections: tuple[str, ...] = (_GEMM,)
    elif x_nd == 2:
        body += ("    th_int dims[1] = {x->dims[0]};\n"
                 "    if (ctx->alloc_output(ctx, 0, 1, dims)) return -1;\n"
                 '    return gemv_into(ctx, "dot", &ctx->outputs[0], 1, x, y, 0);\n')
        sections = (_GEMV,)
    elif y_nd == 2:
        body += ("    /* x @ y is y^T @ x */\n"
                 "    th_int t_dims[2], t_strides[2];\n"
                 "    const th_array yt = transposed(y, t_dims, t_strides);\n"
                 "    th_int dims[1] = {y->dims[1]};\n"
                 "    if (ctx->alloc_output(ctx, 0, 1, dims)) return -1;\n"
                 '    return gemv_into(ctx, "dot", &ctx->outputs[0], 1, &yt, x, 0);\n')
        sections = (_GEMV,)
    else:
        body += ("    if (ctx->alloc_output(ctx, 0, 0, NULL)) return -1;\n"
                 "    real *out = (real *)ctx->outputs[0].data;\n"
                 "    if (x->dims[0] == 0) {\n"
                 "        *out = 0;\n"
                 "        return 0;\n"
                 "    }\n"
                 '    return call_dot(ctx, "dot", x, y, out);\n')
        sections = (_DOT,)
    return _kernel("dot", node, dtype, sections, body)
