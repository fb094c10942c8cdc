/* The interface between theano's C runtime and the kernels it calls.
 *
 * A kernel is generated C that includes no Python or NumPy header: it sees arrays as
 * th_array (data pointer, shape, strides in bytes) and asks the runtime, through the
 * function pointers of th_ctx, for its outputs' memory. One kernel computes one node of a
 * graph; its source is pasted after this header and compiled into its own shared object.
 *
 *     int <name>(th_ctx *ctx)   returns 0, or -1 after ctx->set_error(...)
 */
#ifndef TH_KERNEL_H
#define TH_KERNEL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

typedef int64_t th_int;

/* A kernel's entry point (the shared object hides every other symbol). */
#define TH_EXPORT __attribute__((visibility("default")))

typedef struct {
    char *data;
    th_int *dims;
    th_int *strides; /* in bytes */
    int nd;
    int typenum;     /* NumPy's type number */
} th_array;

enum { TH_VALUE_ERROR = 0, TH_INDEX_ERROR = 1, TH_TYPE_ERROR = 2, TH_MEMORY_ERROR = 3,
       TH_RUNTIME_ERROR = 4, TH_ZERO_DIVISION_ERROR = 5, TH_ASSERTION_ERROR = 6 };

/* Inputs of ScalarType (NumPy scalars, e.g. symbolic indices) reach kernels as 0-d arrays. */
#define TH_SCALAR_INPUTS 1

/* Where BLAS routines sit in th_ctx.blas (Fortran calling convention: NumPy's bundled OpenBLAS
 * when it can be found, else SciPy's cython_blas). */
enum { TH_SGEMM = 0, TH_DGEMM = 1, TH_SGEMV = 2, TH_DGEMV = 3, TH_SGER = 4, TH_DGER = 5,
       TH_SDOT = 6, TH_DDOT = 7, TH_N_BLAS = 8 };

typedef struct th_ctx th_ctx;
struct th_ctx {
    th_array *inputs;
    th_array *outputs;
    int n_inputs;
    int n_outputs;
    /* Give output i a C-contiguous buffer of the given shape. When the op overwrites an input
     * for this output (its destroy map), that input is the output, after a shape check.
     * A buffer left from the previous call is reused when nothing else holds it. */
    int (*alloc_output)(th_ctx *ctx, int i, int nd, const th_int *dims);
    /* Make output i a view of input j: shape, strides and a byte offset from j's data. */
    int (*view_output)(th_ctx *ctx, int i, int j, int nd, const th_int *dims, const th_int *strides,
                       th_int offset);
    /* Scratch memory, freed by the runtime after the kernel returns; NULL on failure. */
    void *(*scratch)(th_ctx *ctx, size_t nbytes);
    /* Record an error (kind from the enum above); the kernel then returns -1. */
    void (*set_error)(th_ctx *ctx, int kind, const char *message);
    void *const *blas;  /* TH_N_BLAS routine pointers, NULL where the library has none */
    int n_threads;      /* config.openmp's thread count (1 without OpenMP) */
    th_int omp_min_size;  /* loops smaller than this stay on one thread */
    void *runtime;      /* the runtime's own data */
    /* Constant bytes the linker gives this node's kernel (its Kernel.params), so that nodes
     * differing only in such values (broadcast patterns, a Composite's constants) share one
     * compiled kernel; NULL when there are none. */
    const char *params;
    /* 1 when the BLAS routines take 64-bit integer arguments (an ILP64 library), else 0 (int). */
    int blas_int64;
};

#define TH_MAX_DIMS 32

/* Number of elements of an array. */
static inline th_int th_size(const th_array *a) {
    th_int n = 1;
    for (int d = 0; d < a->nd; d++) n *= a->dims[d];
    return n;
}

/* Whether an array is C-contiguous for an element of `itemsize` bytes. */
static inline int th_c_contiguous(const th_array *a, th_int itemsize) {
    th_int expected = itemsize;
    for (int d = a->nd - 1; d >= 0; d--) {
        if (a->dims[d] != 1 && a->strides[d] != expected) return 0;
        expected *= a->dims[d];
    }
    return 1;
}

/* Whether an array has exactly the given dimensions (as many as it has). */
static inline int th_same_dims(const th_array *a, const th_int *dims) {
    for (int d = 0; d < a->nd; d++)
        if (a->dims[d] != dims[d]) return 0;
    return 1;
}

static void th_set_mismatch(struct th_ctx *ctx, int owner, int k, int d, th_int a, th_int b);

/* The output shape of an elementwise op on ctx's inputs (all of the same number of dimensions):
 * `bcast[k]` has bit d set when input k's type declares dimension d broadcastable. Only such
 * dimensions may differ (they have length 1); the others must agree, as Theano requires. */
static int th_elemwise_shape(struct th_ctx *ctx, int n_in, const th_int *bcast, th_int *dims);

#define TH_FAIL(ctx, kind, message) do { (ctx)->set_error((ctx), (kind), (message)); return -1; } while (0)

static void th_set_mismatch(th_ctx *ctx, int owner, int k, int d, th_int a, th_int b) {
    char message[320];
    snprintf(message, sizeof message, "Input dimension mismatch: input[%d].shape[%d] = %lld, input[%d].shape[%d] "
             "= %lld (an elementwise op only broadcasts dimensions declared broadcastable; use T.addbroadcast or a "
             "row/col type)", owner, d, (long long)a, k, d, (long long)b);
    ctx->set_error(ctx, TH_VALUE_ERROR, message);
}

static int th_elemwise_shape(th_ctx *ctx, int n_in, const th_int *bcast, th_int *dims) {
    const int nd = ctx->inputs[0].nd;
    if (nd > TH_MAX_DIMS) TH_FAIL(ctx, TH_VALUE_ERROR, "too many dimensions");
    for (int d = 0; d < nd; d++) {
        int owner = -1;
        dims[d] = 1;
        for (int k = 0; k < n_in; k++) {
            if ((bcast[k] >> d) & 1) continue;
            const th_int length = ctx->inputs[k].dims[d];
            if (owner < 0) {
                owner = k;
                dims[d] = length;
            } else if (length != dims[d]) {
                th_set_mismatch(ctx, owner, k, d, dims[d], length);
                return -1;
            }
        }
    }
    return 0;
}

#endif
