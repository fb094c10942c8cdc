"""Kernels for reductions: CAReduce (Sum, Prod, All, Any, Max, Min, ...), MaxAndArgmax, Argmax, Argmin.

Every kernel walks the input once, in an order chosen at run time from its strides, and combines
each element into an accumulator array shaped like the output (the output itself when the
accumulator has the output's dtype, else scratch memory, converted at the end):

* the plan drops dimensions of length 1, walks the others from the largest stride to the
  smallest (reduced dimensions with negative strides are walked forwards) and merges
  neighbours that can be walked as one, so ``x.sum(axis=0)`` of a C-contiguous matrix and
  ``x.T.sum(axis=1)`` run the same loop;
* when the innermost dimension is reduced, each output element keeps its accumulator in a
  register and reads a contiguous row through several independent partial accumulators
  (which the compiler turns into vector instructions without reassociating anything itself);
* when the innermost dimension is kept (``sum(axis=0)``, a bias gradient), each input row is
  combined into the accumulator row in memory order: one vectorizable elementwise loop per row,
  instead of striding down the columns;
* with OpenMP, threads share out the longest kept dimension (each writes its own outputs), or,
  when everything is reduced into one value, the outermost dimension with one partial
  accumulator per thread.

The arg reductions (Argmax, Argmin, MaxAndArgmax) walk the input in its index order instead,
so the first occurrence of the extreme value wins with strict comparisons, as in NumPy; a NaN
is the extreme value (its first occurrence), as in NumPy.

Integer sums and products accumulate in the unsigned type of the accumulator's width (wrapping
like NumPy, without C's undefined signed overflow); the maximum and minimum propagate NaN like
``np.max``. Float sums may differ from NumPy's pairwise summation by rounding.
"""

from __future__ import annotations

import numpy as np

from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type, supported
from theano.tensor.elemwise import All, Any, CAReduce
from theano.tensor.math import Argmax, MaxAndArgmax
from theano.tensor.type import TensorType

__all__ = ["arg_reduce_kernel", "careduce_kernel"]

# the scalar ops a CAReduce kernel knows, by name
_SCALAR_OPS = ("add", "mul", "maximum", "minimum", "and_", "or_", "xor")
# on booleans each of them is a logical and, or or xor (np.sum of booleans counts, then != 0)
_BOOL_EQUIVALENT = {"add": "or_", "maximum": "or_", "or_": "or_", "mul": "and_", "minimum": "and_",
                    "and_": "and_", "xor": "xor"}
_UNSIGNED = {"int8": "uint8_t", "int16": "uint16_t", "int32": "uint32_t", "int64": "uint64_t"}
# accumulator bytes read per step of a contiguous inner reduction (independent partial results)
_BLOCK_BYTES = 128


def _c_string(text: str) -> str:
    """``text`` as a C string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _lowest(dtype: str) -> str:
    """The smallest value of ``dtype`` (minus infinity for floats), as C."""
    if dtype == "bool":
        return "0"
    if np.dtype(dtype).kind == "f":
        return "(-INFINITY)"
    if np.dtype(dtype).kind == "u":
        return "0"
    return f"INT{np.dtype(dtype).itemsize * 8}_MIN"


def _highest(dtype: str) -> str:
    """The largest value of ``dtype`` (infinity for floats), as C."""
    if dtype == "bool":
        return "1"
    if np.dtype(dtype).kind == "f":
        return "INFINITY"
    bits = np.dtype(dtype).itemsize * 8
    return f"UINT{bits}_MAX" if np.dtype(dtype).kind == "u" else f"INT{bits}_MAX"


def _convert(expression: str, from_dtype: str, to_dtype: str) -> str:
    """C converting ``expression`` of ``from_dtype`` to ``to_dtype`` as NumPy's astype does."""
    if from_dtype == to_dtype:
        return expression
    if to_dtype == "bool":
        return f"(({expression}) != 0)"
    return f"(({c_type(to_dtype)})({expression}))"


def _signature(node) -> str:
    ins = ", ".join(str(x.type) for x in node.inputs)
    outs = ", ".join(str(o.type) for o in node.outputs)
    return f"({ins}) -> ({outs})"


def _tensor_types_supported(node) -> bool:
    return all(isinstance(v.type, TensorType) and supported(v.type.dtype) for v in node.inputs + node.outputs)


# ------------------------------------------------------------------------------------------------
# The walk over the input (the same C in every reduction kernel, after its typedefs)
# ------------------------------------------------------------------------------------------------

_PLAN = r"""
/* How the kernel walks the input: its dimensions without those of length 1, outermost first,
 * merged where two can be walked as one; at least two (padded with length-1 kept dimensions). */
typedef struct {
    int m;
    th_int n[ND2];
    th_int sx[ND2];    /* input stride, bytes */
    th_int sa[ND2];    /* accumulator stride, elements (0 along reduced dimensions) */
    th_int sr[ND2];    /* stride of the flat index over the reduced dimensions (0 along kept ones) */
    int red[ND2];      /* 1 along reduced dimensions */
    th_int offset;     /* bytes from the input's data to the first element walked */
} plan_t;

static th_int abs_int(th_int v) { return v < 0 ? -v : v; }

static void make_plan(plan_t *p, const th_array *x, int reorder, const int64_t *reduced) {
    th_int n[ND2], sx[ND2], sa[ND2], sr[ND2];
    int red[ND2];
    th_int acc_stride = 1, index_stride = 1;
    int k = 0;
    p->offset = 0;
    /* innermost first: the accumulator is C-contiguous over the kept dimensions, and the flat
     * index counts the reduced dimensions in C order */
    for (int d = x->nd - 1; d >= 0; d--) {
        if (x->dims[d] == 1) continue;
        n[k] = x->dims[d];
        sx[k] = x->strides[d];
        red[k] = (int)reduced[d];
        sa[k] = red[k] ? 0 : acc_stride;
        sr[k] = red[k] && !reorder ? index_stride : 0;  /* only the arg reductions need it */
        if (red[k]) index_stride *= n[k]; else acc_stride *= n[k];
        if (reorder && red[k] && sx[k] < 0) {  /* the order of a reduction's terms is free */
            p->offset += (n[k] - 1) * sx[k];
            sx[k] = -sx[k];
        }
        k++;
    }
    /* outermost first; with reorder, by decreasing stride (insertion sort, stable) */
    int order[ND2];
    for (int i = 0; i < k; i++) order[i] = k - 1 - i;
    if (reorder) {
        for (int i = 1; i < k; i++) {
            int moving = order[i], j = i;
            while (j > 0 && abs_int(sx[order[j - 1]]) < abs_int(sx[moving])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = moving;
        }
    }
    /* merge a dimension into the one outside it when one stride walks both */
    int m = 0;
    for (int i = 0; i < k; i++) {
        const int d = order[i];
        if (m > 0) {
            const int o = m - 1;
            if (p->red[o] == red[d] && p->sx[o] == sx[d] * n[d] && p->sa[o] == sa[d] * n[d]
                && p->sr[o] == sr[d] * n[d]) {
                p->n[o] *= n[d];
                p->sx[o] = sx[d];
                p->sa[o] = sa[d];
                p->sr[o] = sr[d];
                continue;
            }
        }
        p->n[m] = n[d];
        p->sx[m] = sx[d];
        p->sa[m] = sa[d];
        p->sr[m] = sr[d];
        p->red[m] = red[d];
        m++;
    }
    /* at least two dimensions, so the two innermost loops always exist */
    const int pad = m < 2 ? 2 - m : 0;
    for (int i = m - 1; i >= 0; i--) {
        p->n[i + pad] = p->n[i];
        p->sx[i + pad] = p->sx[i];
        p->sa[i + pad] = p->sa[i];
        p->sr[i + pad] = p->sr[i];
        p->red[i + pad] = p->red[i];
    }
    for (int i = 0; i < pad; i++) {
        p->n[i] = 1;
        p->sx[i] = 0;
        p->sa[i] = 0;
        p->sr[i] = 0;
        p->red[i] = 0;
    }
    p->m = m + pad;
}
"""

# How threads share out a plan (reduce_c and fused_reduce_c: their plans have m, n and red).
_SPLIT = r"""
/* The dimension threads share out: the longest kept one, else (-1) none. */
static int kept_split(const plan_t *p) {
    int split = -1;
    for (int d = 0; d < p->m; d++) {
        if (!p->red[d] && p->n[d] > 1 && (split < 0 || p->n[d] > p->n[split])) split = d;
    }
    return split;
}

/* How many pieces to cut dimension `split` into (1 for small inputs). */
static th_int chunk_count(th_ctx *ctx, const plan_t *p, int split, th_int size) {
    th_int chunks = size >= ctx->omp_min_size ? ctx->n_threads : 1;
    if (chunks > p->n[split]) chunks = p->n[split];
    return chunks < 1 ? 1 : chunks;
}
"""
_PLAN += _SPLIT

# The odometer over the outer dimensions, calling INNER for the two innermost ones; the
# placeholders ARGS / PARAMS / OFFSETS / INNER are filled per kind of kernel.
_WALK = r"""
/* Walk the input along the plan, dimension `split` restricted to [lo, hi). */
static void walk(const plan_t *p, const char *x0, PARAMS, int split, th_int lo, th_int hi) {
    th_int first[ND2], last[ND2], idx[ND2];
    for (int d = 0; d < p->m; d++) {
        first[d] = 0;
        last[d] = p->n[d];
    }
    first[split] = lo;
    last[split] = hi;
    const int J = p->m - 2, I = p->m - 1;
    for (int d = 0; d < J; d++) idx[d] = first[d];
    for (;;) {
        const char *x = x0;
        th_int a = 0, r = 0;
        for (int d = 0; d < J; d++) {
            x += idx[d] * p->sx[d];
            a += idx[d] * p->sa[d];
            r += idx[d] * p->sr[d];
        }
        (void)r;
        INNER(p, x, ARGS, a, r, first[J], last[J], first[I], last[I]);
        int d = J - 1;
        while (d >= 0 && ++idx[d] == last[d]) {
            idx[d] = first[d];
            d--;
        }
        if (d < 0) break;
    }
}
"""


def _omp(condition: str, depth: int) -> str:
    from theano.configdefaults import config

    if not config.openmp:
        return ""
    return "    " * depth + f"#pragma omp parallel for schedule(static) if ({condition}) num_threads(ctx->n_threads)\n"


# A reduction kernel serves every set of reduced axes and number of dimensions: which axes it
# reduces and its error message are its parameters (``reduce_params``).
_PARAMS_C = r"""
/* The kernel's parameters: 1 for each reduced axis of the input, and the message of the error
 * for an empty reduced axis (reductions without an identity). */
typedef struct {
    int64_t reduced[TH_MAX_DIMS];
    char message[256];
} reduce_params;
"""

_EMPTY_CHECK_C = """    for (int d = 0; d < x->nd; d++)
        if (rp->reduced[d] && x->dims[d] == 0) TH_FAIL(ctx, TH_VALUE_ERROR, rp->message);
"""

_ALLOC_REDUCED_C = """    th_int out_dims[TH_MAX_DIMS];
    int out_nd = 0;
    for (int d = 0; d < x->nd; d++)
        if (!rp->reduced[d]) out_dims[out_nd++] = x->dims[d];
{allocs}    th_int n_out = 1;
    for (int k = 0; k < out_nd; k++) n_out *= out_dims[k];
"""


def _alloc_reduced_outputs(n_outputs: int) -> str:
    """C allocating the outputs (the input's shape without its reduced axes); sets ``n_out``."""
    allocs = "".join(f"    if (ctx->alloc_output(ctx, {o}, out_nd, out_dims)) return -1;\n" for o in range(n_outputs))
    return _ALLOC_REDUCED_C.replace("{allocs}", allocs)


def _reduce_params(node, reduced: list[int], message: str) -> bytes:
    flags = np.zeros(32, dtype=np.int64)
    flags[reduced] = 1
    text = message.encode()[:255]
    return flags.tobytes() + text + bytes(256 - len(text))


def _alloc_outputs(kept: list[int], n_outputs: int) -> str:
    lines = [f"    th_int out_dims[{max(len(kept), 1)}];"]
    lines += [f"    out_dims[{k}] = x->dims[{d}];" for k, d in enumerate(kept)]
    lines += [f"    if (ctx->alloc_output(ctx, {o}, {len(kept)}, out_dims)) return -1;" for o in range(n_outputs)]
    lines.append("    th_int n_out = 1;")
    lines += [f"    n_out *= out_dims[{k}];" for k in range(len(kept))]
    return "\n".join(lines) + "\n"


def _axes(node) -> tuple[list[int], list[int]]:
    """The reduced and the kept axes of the node's input."""
    ndim = node.inputs[0].type.ndim
    axis = node.op.axis if node.op.axis is not None else tuple(range(ndim))
    reduced = sorted(int(a) % ndim for a in axis) if ndim else []
    return reduced, [d for d in range(ndim) if d not in reduced]


def _prelude(node, types: dict[str, str]) -> str:
    op = node.op
    what = f"{type(op).__name__}{{{op.scalar_op}}}" if isinstance(op, CAReduce) else type(op).__name__
    ins = ", ".join(v.type.dtype for v in node.inputs)
    outs = ", ".join(v.type.dtype for v in node.outputs)
    lines = [f"/* {what} : ({ins}) -> ({outs}); any number of dimensions and reduced axes (parameters) */"]
    lines += [f"typedef {ctype} {name};" for name, ctype in types.items()]
    lines.append("enum { ND2 = TH_MAX_DIMS };")
    return "\n".join(lines) + _PARAMS_C


def _row_extreme(function: str, elem_t: str, compare: str, is_float: bool) -> str:
    """C of ``elem_t function(const in_t *x, th_int n)``: the extreme value of a contiguous row under
    ``compare`` (">": the maximum), NaN when the row holds one (floats).

    BLOCK independent partial results are compared with selects that the compiler turns into
    vector instructions (kept a loop: gcc does not vectorize the float selects once unrolled);
    NaNs are remembered aside rather than tested in every comparison.
    """
    lines = ["", f"/* The {'maximum' if compare == '>' else 'minimum'} of a contiguous row"
             + (", NaN if it holds one: NaNs are kept aside in nan[]. */" if is_float else ". */"),
             f"static {elem_t} {function}(const in_t *restrict x, th_int n) {{",
             "    if (n < BLOCK) {",
             f"        {elem_t} best = START;",
             "        for (th_int i = 0; i < n; i++) {",
             f"            const {elem_t} v = LOAD(x[i]);",
             f"            if (v {compare} best{' || v != v' if is_float else ''}) best = v;",
             "        }",
             "        return best;",
             "    }",
             f"    {elem_t} part[BLOCK]{', nan[BLOCK]' if is_float else ''};",
             "    for (int k = 0; k < BLOCK; k++) {",
             "        part[k] = START;"]
    if is_float:
        lines.append("        nan[k] = 0;")
    lines += ["    }", "    th_int i = 0;", "    for (; i + BLOCK <= n; i += BLOCK) {"]
    if is_float:
        lines.append("        #pragma GCC unroll 1")
    step = [f"const {elem_t} v = LOAD(x[i + k]);", f"part[k] = v {compare} part[k] ? v : part[k];"]
    if is_float:
        step.append("nan[k] = v != v ? v : nan[k];")
    lines.append("        for (int k = 0; k < BLOCK; k++) {")
    lines += ["            " + line for line in step]
    lines += ["        }", "    }", "    for (; i < n; i++) {", "        const int k = 0;"]
    lines += ["        " + line.replace("i + k", "i") for line in step]
    lines += ["    }", f"    {elem_t} best = part[0];", "    for (int k = 0; k < BLOCK; k++) {"]
    if is_float:
        lines.append("        if (nan[k] != nan[k]) return nan[k];")
    lines += [f"        if (part[k] {compare} best) best = part[k];", "    }", "    return best;", "}", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# No reduced axis: a converting copy
# ------------------------------------------------------------------------------------------------


def _copy_kernel(node, prefix: str, out_dtypes: list[str | None]) -> Kernel:
    """Copy the input into output 0 (converted to its dtype); other outputs (``None`` dtype) are
    zero indices."""
    in_dtype = node.inputs[0].type.dtype
    ndim = node.inputs[0].type.ndim
    lines = [f"/* {node.op} : {_signature(node)}; no axis reduced: a copy */",
             "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {",
             "    const th_array *x = &ctx->inputs[0];"]
    lines.append(_alloc_outputs(list(range(ndim)), len(out_dtypes)).rstrip("\n"))
    lines.append("    if (n_out == 0) return 0;")
    for o, dtype in enumerate(out_dtypes):
        if dtype is None:
            lines.append(f"    memset(ctx->outputs[{o}].data, 0, (size_t)n_out * sizeof(int64_t));")
            continue
        value = _convert(f"*(const {c_type(in_dtype)} *)p", in_dtype, dtype)
        lines.append(f"    {c_type(dtype)} *out{o} = ({c_type(dtype)} *)ctx->outputs[{o}].data;")
        lines.append(f"    th_int idx{o}[{max(ndim, 1)}] = {{0}};")
        lines.append("    for (th_int e = 0; e < n_out; e++) {")
        lines.append("        const char *p = x->data;")
        for d in range(ndim):
            lines.append(f"        p += idx{o}[{d}] * x->strides[{d}];")
        lines.append(f"        out{o}[e] = {value};")
        if ndim:
            lines.append(f"        for (int d = {ndim - 1}; d >= 0 && ++idx{o}[d] == x->dims[d]; d--) idx{o}[d] = 0;")
        lines.append("    }")
    lines.append("    return 0;")
    lines.append("}")
    source = "\n".join(lines) + "\n"
    name = symbol_name(prefix, source)
    return Kernel(name, source.replace("KERNEL_NAME", name))


# ------------------------------------------------------------------------------------------------
# CAReduce
# ------------------------------------------------------------------------------------------------


def _combine(kind: str, acc_dtype: str) -> str:
    """C combining accumulator ``a`` with value ``v`` (both ``acc_t``)."""
    if acc_dtype == "bool":
        kind = _BOOL_EQUIVALENT[kind]
    is_float = np.dtype(acc_dtype).kind == "f"
    if kind == "add":
        return "((a) + (v))"
    if kind == "mul":
        return "((a) * (v))"
    if kind == "and_":
        return "((a) & (v))"
    if kind == "or_":
        return "((a) | (v))"
    if kind == "xor":
        return "((a) ^ (v))"
    if kind == "maximum":
        return "(((v) > (a) || (v) != (v)) ? (v) : (a))" if is_float else "((v) > (a) ? (v) : (a))"
    if kind == "minimum":
        return "(((v) < (a) || (v) != (v)) ? (v) : (a))" if is_float else "((v) < (a) ? (v) : (a))"
    raise ValueError(kind)


def _start(kind: str, acc_dtype: str) -> str:
    """The accumulator's first value (the identity of the combination), as C."""
    if acc_dtype == "bool":
        kind = _BOOL_EQUIVALENT[kind]
        return "1" if kind == "and_" else "0"
    if kind == "mul":
        return "((acc_t)1)"
    if kind == "and_":
        return "((acc_t)~(acc_t)0)"
    if kind == "maximum":
        return f"((acc_t){_lowest(acc_dtype)})"
    if kind == "minimum":
        return f"((acc_t){_highest(acc_dtype)})"
    return "((acc_t)0)"


def _identity(op) -> int | None:
    """What reducing nothing gives (None: the op raises ValueError instead)."""
    if isinstance(op, All):
        return 1
    if isinstance(op, Any):
        return 0
    if not op.has_identity:
        return None
    return int(op.scalar_op.identity)


_REDUCE_ROW = r"""
/* Combine a contiguous row of n input values into one accumulator, with BLOCK independent partial
 * results so the compiler can use vector instructions. */
static acc_t reduce_row(const in_t *restrict x, th_int n) {
    if (n < BLOCK) {
        acc_t a = START;
        for (th_int i = 0; i < n; i++) {
            const acc_t v = LOAD(x[i]);
            a = COMBINE(a, v);
        }
        return a;
    }
    acc_t part[BLOCK];
    for (int k = 0; k < BLOCK; k++) part[k] = START;
    th_int i = 0;
    for (; i + BLOCK <= n; i += BLOCK) {
        for (int k = 0; k < BLOCK; k++) {
            const acc_t a = part[k], v = LOAD(x[i + k]);
            part[k] = COMBINE(a, v);
        }
    }
    for (; i < n; i++) {
        const acc_t a = part[0], v = LOAD(x[i]);
        part[0] = COMBINE(a, v);
    }
    acc_t a = part[0];
    for (int k = 1; k < BLOCK; k++) {
        const acc_t v = part[k];
        a = COMBINE(a, v);
    }
    return a;
}

"""

_CAREDUCE_INNER = r"""
/* Combine a contiguous row of n input values into n contiguous accumulators. */
static void accumulate_row(acc_t *restrict acc, const in_t *restrict x, th_int n) {
    for (th_int i = 0; i < n; i++) {
        const acc_t a = acc[i], v = LOAD(x[i]);
        acc[i] = COMBINE(a, v);
    }
}

/* The two innermost dimensions: J (rows j0..j1) and I (columns i0..i1). */
static void inner(const plan_t *p, const char *x, acc_t *acc, th_int a0, th_int r, th_int j0, th_int j1,
                  th_int i0, th_int i1) {
    (void)r;
    const int J = p->m - 2, I = p->m - 1;
    const th_int sxJ = p->sx[J], saJ = p->sa[J], sxI = p->sx[I], saI = p->sa[I];
    if (p->red[I]) {
        /* reduced innermost dimension: one accumulator per row */
        for (th_int j = j0; j < j1; j++) {
            const char *row = x + j * sxJ;
            acc_t a = acc[a0 + j * saJ];
            acc_t v;
            if (sxI == (th_int)sizeof(in_t)) {
                v = reduce_row((const in_t *)row + i0, i1 - i0);
                a = COMBINE(a, v);
            } else {
                for (th_int i = i0; i < i1; i++) {
                    v = LOAD(*(const in_t *)(row + i * sxI));
                    a = COMBINE(a, v);
                }
            }
            acc[a0 + j * saJ] = a;
        }
    } else {
        /* kept innermost dimension: combine each input row into the accumulator row */
        for (th_int j = j0; j < j1; j++) {
            const char *row = x + j * sxJ;
            acc_t *target = acc + a0 + j * saJ;
            if (sxI == (th_int)sizeof(in_t) && saI == 1) {
                accumulate_row(target + i0, (const in_t *)row + i0, i1 - i0);
            } else {
                for (th_int i = i0; i < i1; i++) {
                    const acc_t a = target[i * saI], v = LOAD(*(const in_t *)(row + i * sxI));
                    target[i * saI] = COMBINE(a, v);
                }
            }
        }
    }
}
"""

_CAREDUCE_BODY = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const th_array *x = &ctx->inputs[0];
    const reduce_params *rp = (const reduce_params *)ctx->params;
EMPTY_CHECKALLOC_OUTPUTS    if (n_out == 0) return 0;
    out_t *out = (out_t *)ctx->outputs[0].data;
    const th_int size = th_size(x);
    if (size == 0) {
        /* nothing to reduce: the identity */
        for (th_int e = 0; e < n_out; e++) out[e] = IDENTITY;
        return 0;
    }
    acc_t *acc = ACC_BUFFER;
    if (!acc) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for a reduction's accumulator");
    plan_t p;
    make_plan(&p, x, 1, rp->reduced);
    const char *x0 = x->data + p.offset;
    int split = kept_split(&p);
    if (split >= 0) {
        /* threads share out a kept dimension: each writes its own accumulators */
        for (th_int e = 0; e < n_out; e++) acc[e] = START;
        const th_int chunks = chunk_count(ctx, &p, split, size), n = p.n[split];
OMP_KEPT        for (th_int c = 0; c < chunks; c++) walk(&p, x0, acc, split, n * c / chunks, n * (c + 1) / chunks);
    } else {
        /* one value: threads share out the outermost dimension, with one partial result each */
        split = 0;
        while (split < p.m - 1 && p.n[split] == 1) split++;
        const th_int chunks = chunk_count(ctx, &p, split, size), n = p.n[split];
        acc_t *parts = (acc_t *)ctx->scratch(ctx, (size_t)chunks * sizeof(acc_t));
        if (!parts) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for a reduction's accumulator");
OMP_PARTS        for (th_int c = 0; c < chunks; c++) {
            parts[c] = START;
            walk(&p, x0, parts + c, split, n * c / chunks, n * (c + 1) / chunks);
        }
        acc_t a = START;
        for (th_int c = 0; c < chunks; c++) {
            const acc_t v = parts[c];
            a = COMBINE(a, v);
        }
        acc[0] = a;
    }
FINISH    return 0;
}
"""


@register_kernel(CAReduce)
def careduce_kernel(node) -> Kernel | None:
    """The C reduction of a CAReduce node (Sum, Prod, All, Any, Max, Min, ...), or None when its
    scalar op or a dtype has no C rendering."""
    op = node.op
    kind = getattr(op.scalar_op, "name", None)
    if kind not in _SCALAR_OPS or len(node.inputs) != 1 or not _tensor_types_supported(node):
        return None
    in_dtype = node.inputs[0].type.dtype
    out_dtype = node.outputs[0].type.dtype
    acc_dtype = op._acc_dtype(in_dtype)
    if not supported(acc_dtype):
        return None
    if kind in ("and_", "or_", "xor") and "f" in (np.dtype(in_dtype).kind, np.dtype(acc_dtype).kind):
        return None  # NumPy's bitwise reductions refuse floats: leave the error to perform
    reduced, kept = _axes(node)
    if not reduced:
        return _copy_kernel(node, "careduce", [out_dtype])
    identity = _identity(op)
    message = ""
    if identity is None:
        axis = op.axis if op.axis is not None else tuple(range(node.inputs[0].type.ndim))
        message = f"{op}: cannot reduce an empty array along axis {axis} (the op has no identity)"
    # wrapping integer arithmetic: sums and products accumulate in the unsigned type
    acc_ctype = c_type(acc_dtype)
    if kind in ("add", "mul") and acc_dtype in _UNSIGNED:
        acc_ctype = _UNSIGNED[acc_dtype]
    types = {"in_t": c_type(in_dtype), "acc_t": acc_ctype, "out_t": c_type(out_dtype)}
    load = _convert("x", in_dtype, acc_dtype)
    if acc_ctype != c_type(acc_dtype):
        load = f"((acc_t){load})"
    macros = [f"#define LOAD(x) ({load})",
              f"#define COMBINE(a, v) {_combine(kind, acc_dtype)}",
              f"#define START {_start(kind, acc_dtype)}",
              f"enum {{ BLOCK = {max(_BLOCK_BYTES // np.dtype(acc_dtype).itemsize, 1)} }};"]
    if acc_dtype == out_dtype:  # (a signed integer accumulates in its unsigned twin, same bytes)
        acc_buffer = "(acc_t *)out"
        finish = ""
    else:
        acc_buffer = "(acc_t *)ctx->scratch(ctx, (size_t)n_out * sizeof(acc_t))"
        value = _convert(f"({c_type(acc_dtype)})acc[e]", acc_dtype, out_dtype)
        finish = f"    for (th_int e = 0; e < n_out; e++) out[e] = {value};\n"
    identity_c = _convert(str(identity if identity is not None else 0), "int64", out_dtype)
    body = (_CAREDUCE_BODY
            .replace("EMPTY_CHECK", _EMPTY_CHECK_C if identity is None else "")
            .replace("ALLOC_OUTPUTS", _alloc_reduced_outputs(1))
            .replace("IDENTITY", identity_c)
            .replace("ACC_BUFFER", acc_buffer)
            .replace("OMP_KEPT", _omp("chunks > 1", 2))
            .replace("OMP_PARTS", _omp("chunks > 1", 2))
            .replace("FINISH", finish))
    walk = (_WALK.replace("PARAMS", "acc_t *acc").replace("ARGS", "acc"))
    if kind in ("maximum", "minimum") and np.dtype(acc_dtype).kind == "f":
        row = _row_extreme("reduce_row", "acc_t", ">" if kind == "maximum" else "<", True)
    else:
        row = _REDUCE_ROW
    source = (_prelude(node, types) + "\n".join(macros) + "\n" + _PLAN + row + _CAREDUCE_INNER
              + walk.replace("INNER(", "inner(") + body)
    name = symbol_name("careduce", source)
    return Kernel(name, source.replace("KERNEL_NAME", name), params=_reduce_params(node, reduced, message))


# ------------------------------------------------------------------------------------------------
# Argmax, Argmin, MaxAndArgmax
# ------------------------------------------------------------------------------------------------

_ARG_INNER = r"""
/* Where v first is in a contiguous row that holds it (for a NaN: the first NaN); the blocks
 * without it are skipped with vectorized comparisons. */
static th_int find_first(const in_t *restrict x, th_int n, in_t v) {
    th_int i = 0;
    if (v != v) {
        while (x[i] == x[i]) i++;
        return i;
    }
    for (; i + BLOCK <= n; i += BLOCK) {
        int hit = 0;
        #pragma GCC unroll 1
        for (int k = 0; k < BLOCK; k++) hit |= x[i + k] == v;
        if (hit) break;
    }
    while (x[i] != v) i++;
    return i;
}

/* The two innermost dimensions: J (rows j0..j1) and I (columns i0..i1), walked in index order so
 * that a strict comparison keeps the first occurrence. */
static void inner(const plan_t *p, const char *x, in_t *best, int64_t *where, th_int a0, th_int r, th_int j0,
                  th_int j1, th_int i0, th_int i1) {
    const int J = p->m - 2, I = p->m - 1;
    const th_int sxJ = p->sx[J], saJ = p->sa[J], srJ = p->sr[J], sxI = p->sx[I], saI = p->sa[I], srI = p->sr[I];
    if (p->red[I]) {
        for (th_int j = j0; j < j1; j++) {
            const char *row = x + j * sxJ;
            in_t b = best[a0 + j * saJ];
            th_int found = -1;
            if (sxI == (th_int)sizeof(in_t) && i1 - i0 >= 4 * BLOCK) {
                /* a long contiguous row: its extreme value (vectorized), then where it first is */
                const in_t *values = (const in_t *)row + i0;
                const in_t v = row_extreme(values, i1 - i0);
                if (BETTER(v, b)) {
                    b = v;
                    found = i0 + find_first(values, i1 - i0, v);
                }
            } else {
                for (th_int i = i0; i < i1; i++) {
                    const in_t v = *(const in_t *)(row + i * sxI);
                    if (BETTER(v, b)) {
                        b = v;
                        found = i;
                    }
                }
            }
            if (found >= 0) {
                best[a0 + j * saJ] = b;
                where[a0 + j * saJ] = r + j * srJ + found * srI;
            }
        }
    } else {
        for (th_int j = j0; j < j1; j++) {
            const char *row = x + j * sxJ;
            in_t *b = best + a0 + j * saJ;
            int64_t *w = where + a0 + j * saJ;
            for (th_int i = i0; i < i1; i++) {
                const in_t v = *(const in_t *)(row + i * sxI);
                if (BETTER(v, b[i * saI])) {
                    b[i * saI] = v;
                    w[i * saI] = r + j * srJ;
                }
            }
        }
    }
}
"""

_ARG_BODY = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const th_array *x = &ctx->inputs[0];
    const reduce_params *rp = (const reduce_params *)ctx->params;
EMPTY_CHECKALLOC_OUTPUTS    if (n_out == 0) return 0;
    in_t *best = BEST_BUFFER;
    if (!best) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for an argmax's accumulator");
    int64_t *where = (int64_t *)ctx->outputs[INDEX_OUTPUT].data;
    for (th_int e = 0; e < n_out; e++) {
        best[e] = START;
        where[e] = 0;
    }
    plan_t p;
    make_plan(&p, x, 0, rp->reduced);
    int split = kept_split(&p);
    th_int chunks = 1, n = 1;
    if (split >= 0) {
        /* threads share out a kept dimension: each writes its own outputs */
        chunks = chunk_count(ctx, &p, split, th_size(x));
        n = p.n[split];
    } else {
        split = 0;
        n = p.n[0];
    }
OMP_KEPT    for (th_int c = 0; c < chunks; c++) {
        walk(&p, x->data, best, where, split, n * c / chunks, n * (c + 1) / chunks);
    }
    return 0;
}
"""


@register_kernel(MaxAndArgmax, Argmax)
def arg_reduce_kernel(node) -> Kernel | None:
    """The C kernel of an Argmax, Argmin or MaxAndArgmax node, or None for unsupported dtypes."""
    if len(node.inputs) != 1 or not _tensor_types_supported(node):
        return None
    op = node.op
    in_dtype = node.inputs[0].type.dtype
    with_max = isinstance(op, MaxAndArgmax)
    reduced, kept = _axes(node)
    if not reduced:
        return _copy_kernel(node, "argreduce", [in_dtype, None] if with_max else [None])
    is_float = np.dtype(in_dtype).kind == "f"
    if with_max or getattr(op, "arg_func", None) is np.argmax:
        compare, start = ">", _lowest(in_dtype)
    elif getattr(op, "arg_func", None) is np.argmin:
        compare, start = "<", _highest(in_dtype)
    else:
        return None
    # v replaces the best value b so far (a NaN replaces anything but a NaN)
    better = f"((v) {compare} (b) || ((v) != (v) && (b) == (b)))" if is_float else f"((v) {compare} (b))"
    types = {"in_t": c_type(in_dtype)}
    macros = [f"#define BETTER(v, b) {better}", "#define LOAD(x) (x)", f"#define START ((in_t){start})",
              f"enum {{ BLOCK = {max(_BLOCK_BYTES // np.dtype(in_dtype).itemsize, 1)} }};"]
    if with_max:
        best_buffer = "(in_t *)ctx->outputs[0].data"
    else:
        best_buffer = "(in_t *)ctx->scratch(ctx, (size_t)n_out * sizeof(in_t))"
    body = (_ARG_BODY
            .replace("EMPTY_CHECK", _EMPTY_CHECK_C)
            .replace("ALLOC_OUTPUTS", _alloc_reduced_outputs(2 if with_max else 1))
            .replace("BEST_BUFFER", best_buffer)
            .replace("INDEX_OUTPUT", "1" if with_max else "0")
            .replace("OMP_KEPT", _omp("chunks > 1", 1)))
    walk = _WALK.replace("PARAMS", "in_t *best, int64_t *where").replace("ARGS", "best, where")
    row = _row_extreme("row_extreme", "in_t", compare, is_float)
    source = (_prelude(node, types) + "\n".join(macros) + "\n" + _PLAN + row + _ARG_INNER
              + walk.replace("INNER(", "inner(") + body)
    name = symbol_name("argreduce", source)
    params = _reduce_params(node, reduced, "attempt to get argmax/argmin of an empty sequence")
    return Kernel(name, source.replace("KERNEL_NAME", name), params=params)
