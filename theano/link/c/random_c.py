"""Kernel for ``mrg_uniform``: MRG31k3p draws (:mod:`theano.sandbox.rng_mrg`) in C.

The kernel computes exactly what :func:`theano.sandbox.rng_mrg.mrg_draw` computes: number ``i``
of the sample comes from stream ``i % n_streams``. Streams go by blocks of 64 held in local
arrays: each round steps every stream of the block once and writes consecutive numbers, so the
independent recurrences overlap in the CPU and the writes stay sequential; at the end the states
are stored into the new state matrix (a copy of the input, or the input
itself for the inplace op). The two recurrences run in int64 arithmetic, where no sum can
overflow, and are reduced by folding the high bits (``2**31`` is 1 modulo ``M1`` and 21069
modulo ``M2``): shifts, masks and adds, with no division.
float32 numbers round the integer to float before the float multiplication, as the Python
code does (``-ffp-contract=off`` keeps the product one rounding). Streams are independent, so
with OpenMP they are spread over threads without changing any number.
"""

from __future__ import annotations

from theano.configdefaults import config
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.sandbox.rng_mrg import M1, M2, NORM_FLOAT32, MRGUniform

# float32: the shortest literal of that float (str of a NumPy float32)
_NORM = {"float64": "4.656612873077392578125e-10", "float32": str(NORM_FLOAT32) + "f"}
_CTYPE = {"float64": "double", "float32": "float"}


def _source(ndim: int, dtype: str, inplace: bool, openmp: bool) -> str:
    out_t = _CTYPE[dtype]
    norm = _NORM[dtype]
    lines = []
    if openmp:
        lines.append("#include <omp.h>")
    lines += [
        f"/* mrg_uniform: MRG31k3p draws, {dtype} sample of {ndim} dimensions"
        f"{', state updated in place' if inplace else ''} */",
        f"#define MRG_M1 INT64_C({M1})",
        f"#define MRG_M2 INT64_C({M2})",
        "",
        "/* (a * 2**31 + b) mod M1 is (a + b) mod M1: fold the high bits onto the low ones. */",
        "static inline int64_t mrg_mod_m1(int64_t y) {",
        "    y = (y & MRG_M1) + (y >> 31);           /* < 2**31 + 2**23 */",
        "    return y >= MRG_M1 ? y - MRG_M1 : y;",
        "}",
        "",
        "/* 2**31 = 21069 (mod M2): fold twice, then subtract once. */",
        "static inline int64_t mrg_mod_m2(int64_t y) {",
        "    y = (y & INT64_C(0x7fffffff)) + (y >> 31) * INT64_C(21069);   /* < 2**32 */",
        "    y = (y & INT64_C(0x7fffffff)) + (y >> 31) * INT64_C(21069);   /* < 2**31 + 21069 */",
        "    return y >= MRG_M2 ? y - MRG_M2 : y;",
        "}",
        "",
        "/* Advance streams [first, last) of `state` (rows of 6 int32), writing their numbers. Streams",
        " * go by blocks whose states stay in local arrays: a round steps every stream of the block",
        " * once (independent recurrences, which the CPU overlaps) and writes consecutive numbers. */",
        "#define MRG_BLOCK 64",
        f"static void mrg_streams({out_t} *out, int32_t *state, th_int n, th_int n_streams, th_int first,"
        " th_int last) {",
        "    for (th_int b0 = first; b0 < last; b0 += MRG_BLOCK) {",
        "        const th_int width = last - b0 < MRG_BLOCK ? last - b0 : MRG_BLOCK;",
        "        int64_t x11[MRG_BLOCK], x12[MRG_BLOCK], x13[MRG_BLOCK];",
        "        int64_t x21[MRG_BLOCK], x22[MRG_BLOCK], x23[MRG_BLOCK];",
        "        for (th_int j = 0; j < width; j++) {",
        "            const int32_t *x = state + 6 * (b0 + j);",
        "            x11[j] = x[0]; x12[j] = x[1]; x13[j] = x[2]; x21[j] = x[3]; x22[j] = x[4]; x23[j] = x[5];",
        "        }",
        "        for (th_int start = b0; start < n; start += n_streams) {",
        "            const th_int count = n - start < width ? n - start : width;",
        f"            {out_t} *o = out + start;",
        "            for (th_int j = 0; j < count; j++) {",
        "                /* x1: 2**22 x1[n-2] + (2**7 + 1) x1[n-3];  x2: 2**15 x2[n-1] + (2**15 + 1) x2[n-3] */",
        "                const int64_t y1 = mrg_mod_m1((x12[j] << 22) + (x13[j] << 7) + x13[j]);",
        "                const int64_t y2 = mrg_mod_m2((x21[j] << 15) + (x23[j] << 15) + x23[j]);",
        "                x13[j] = x12[j]; x12[j] = x11[j]; x11[j] = y1;",
        "                x23[j] = x22[j]; x22[j] = x21[j]; x21[j] = y2;",
        "                const int64_t z = y1 - y2 <= 0 ? y1 - y2 + MRG_M1 : y1 - y2;",
        f"                o[j] = ({out_t})z * {norm};",
        "            }",
        "        }",
        "        for (th_int j = 0; j < width; j++) {",
        "            int32_t *x = state + 6 * (b0 + j);",
        "            x[0] = (int32_t)x11[j]; x[1] = (int32_t)x12[j]; x[2] = (int32_t)x13[j];",
        "            x[3] = (int32_t)x21[j]; x[4] = (int32_t)x22[j]; x[5] = (int32_t)x23[j];",
        "        }",
        "    }",
        "}",
        "",
        "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {",
        "    const th_array *rstate = &ctx->inputs[0], *size = &ctx->inputs[1];",
        "    if (rstate->nd != 2 || rstate->dims[1] != 6)",
        '        TH_FAIL(ctx, TH_VALUE_ERROR, "mrg_uniform: rstate must be a matrix of 6 columns");',
        f"    if (size->dims[0] != {ndim})",
        f'        TH_FAIL(ctx, TH_VALUE_ERROR, "mrg_uniform: size must have length {ndim}");',
        f"    th_int dims[{max(ndim, 1)}];",
        "    th_int n = 1;",
        f"    for (int d = 0; d < {ndim}; d++) {{",
        "        dims[d] = *(const int64_t *)(size->data + d * size->strides[0]);",
        '        if (dims[d] < 0) TH_FAIL(ctx, TH_VALUE_ERROR, "mrg_uniform: negative size");',
        "        n *= dims[d];",
        "    }",
        "    const th_int n_streams = rstate->dims[0];",
        '    if (n_streams == 0 && n > 0) TH_FAIL(ctx, TH_VALUE_ERROR, "mrg_uniform: the state has no streams");',
    ]
    if inplace:
        # the runtime makes output 0 the input (destroy_map): it only has to be contiguous
        lines += [
            "    if (ctx->alloc_output(ctx, 0, 2, rstate->dims)) return -1;",
            "    if (!th_c_contiguous(&ctx->outputs[0], 4))",
            '        TH_FAIL(ctx, TH_VALUE_ERROR, "mrg_uniform: an inplace state must be C-contiguous");',
        ]
    else:
        lines += [
            "    if (ctx->alloc_output(ctx, 0, 2, rstate->dims)) return -1;",
            "    int32_t *copy = (int32_t *)ctx->outputs[0].data;",
            "    for (th_int s = 0; s < n_streams; s++)",
            "        for (int j = 0; j < 6; j++)",
            "            copy[6 * s + j] = *(const int32_t *)(rstate->data + s * rstate->strides[0]"
            " + j * rstate->strides[1]);",
        ]
    lines += [
        f"    if (ctx->alloc_output(ctx, 1, {ndim}, dims)) return -1;",
        "    int32_t *state = (int32_t *)ctx->outputs[0].data;",
        f"    {out_t} *out = ({out_t} *)ctx->outputs[1].data;",
        "    const th_int used = n_streams < n ? n_streams : n;",
    ]
    if openmp:
        lines += [
            "    if (ctx->n_threads > 1 && n >= ctx->omp_min_size && used > 1) {",
            "        #pragma omp parallel num_threads(ctx->n_threads)",
            "        {",
            "            const th_int threads = omp_get_num_threads(), t = omp_get_thread_num();",
            "            mrg_streams(out, state, n, n_streams, used * t / threads, used * (t + 1) / threads);",
            "        }",
            "        return 0;",
            "    }",
        ]
    lines += [
        "    mrg_streams(out, state, n, n_streams, 0, used);",
        "    return 0;",
        "}",
    ]
    return "\n".join(lines) + "\n"


@register_kernel(MRGUniform)
def mrg_uniform_kernel(node) -> Kernel | None:
    """The C of an ``mrg_uniform`` node (int32 state matrix, int64 size, float32/float64 sample)."""
    rstate, size = node.inputs
    if rstate.type.dtype != "int32" or size.type.dtype != "int64":
        return None
    dtype = node.outputs[1].type.dtype
    if dtype not in _CTYPE:
        return None
    source = _source(node.op.output_type.ndim, dtype, node.op.inplace, bool(config.openmp))
    name = symbol_name("mrg_uniform", source)
    return Kernel(name, source.replace("KERNEL_NAME", name))
