"""The kernel of FusedReduce: a reduction whose elements are computed on the fly, with no temporary.

``FusedReduce(Sum, Composite{exp(i0) * i1})(x, y)`` is ``sum(exp(x) * y)``. Its kernel walks the
broadcast shape of the inputs once; each element is the Composite's C expression (the static
function ``th_value``, rendered as the Elemwise kernels render it, constants as kernel parameters)
on the inputs' elements, read through their own byte strides (0 along broadcast dimensions,
negative ones too), and is combined into the reduction's accumulator at once.

The walk and the order of the terms are those of the CAReduce kernel (theano/link/c/reduce_c.py)
on the elementwise temporary that the unfused graph would write (C-contiguous): the plan walks
the dimensions in C order, drops those of length 1 and merges neighbours that every input can
walk as one; a reduced innermost dimension is summed through the same ``reduce_row`` (independent
partial accumulators, vectorizable), a kept innermost one is combined row by row into the
accumulators, and OpenMP shares out the same dimension in the same chunks. So the result is the
unfused C graph's, bit for bit, whenever the inputs merge the way the temporary does (for example
all of them C-contiguous and of the full shape, or single values), the same number of threads run
and the elementwise math is rounded alike (gcc may vectorize ``exp`` with libmvec in one and not
the other); otherwise sums and products differ by rounding only.

Inputs that are C-contiguous along the innermost walked dimension are read as arrays (the loop is
vectorizable); otherwise every element is addressed through its strides.

Argmax, Argmin and MaxAndArgmax walk the values in index order, as reduce_c's arg kernels do, so the
first occurrence of the extreme value wins (a NaN is the extreme value, as in NumPy); a long row whose
inputs are contiguous is searched in one pass by vectorizable lanes, each keeping its best value and
its first index (values are not computed twice: a vectorized exp may round unlike the scalar one).
"""

from __future__ import annotations

import re

import numpy as np

from theano.link.c import scalar_c
from theano.link.c.elemwise_c import _Body, _params
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.reduce_c import (
    _BLOCK_BYTES,
    _REDUCE_ROW,
    _SCALAR_OPS,
    _SPLIT,
    _UNSIGNED,
    _combine,
    _convert,
    _highest,
    _identity,
    _lowest,
    _omp,
    _row_extreme,
    _start,
    _tensor_types_supported,
)
from theano.link.c.types import c_type, supported
from theano.tensor.elemwise import CAReduce
from theano.tensor.math import MaxAndArgmax
from theano.tensor.reduce_fusion import FusedReduce

__all__ = ["fused_reduce_kernel"]


# The plan: like reduce_c's, for several inputs, always in C order (the order of the temporary).
_PLAN = r"""
/* How the kernel walks the broadcast shape: its dimensions without those of length 1, outermost
 * first (C order), merged where every input walks two as one; at least two (padded with
 * length-1 kept dimensions). */
typedef struct {
    int m;
    th_int n[ND2];
    th_int sx[N_IN][ND2];  /* each input's stride, bytes (0 along its broadcast dimensions) */
    th_int sa[ND2];        /* accumulator stride, elements (0 along reduced dimensions) */
    th_int sr[ND2];        /* stride of the flat index over the reduced dimensions (0 along kept ones) */
    int red[ND2];          /* 1 along reduced dimensions */
} plan_t;

static void make_plan(plan_t *p, const th_array *in, const th_int *dims, const int64_t *reduced) {
    th_int n[ND2], sx[N_IN][ND2], sa[ND2], sr[ND2];
    int red[ND2];
    th_int acc_stride = 1, index_stride = 1;
    int k = 0;
    /* innermost first: the accumulator is C-contiguous over the kept dimensions */
    for (int d = ND - 1; d >= 0; d--) {
        if (dims[d] == 1) continue;
        n[k] = dims[d];
        for (int q = 0; q < N_IN; q++) sx[q][k] = in[q].dims[d] == 1 ? 0 : in[q].strides[d];
        red[k] = (int)reduced[d];
        sa[k] = red[k] ? 0 : acc_stride;
        sr[k] = red[k] ? index_stride : 0;  /* (only the arg reductions read it) */
        if (red[k]) index_stride *= n[k]; else acc_stride *= n[k];
        k++;
    }
    /* outermost first, merging a dimension into the one outside it when one stride walks both */
    int m = 0;
    for (int i = k - 1; i >= 0; i--) {
        if (m > 0) {
            const int o = m - 1;
            int merge = p->red[o] == red[i] && p->sa[o] == sa[i] * n[i] && p->sr[o] == sr[i] * n[i];
            for (int q = 0; q < N_IN; q++) merge = merge && p->sx[q][o] == sx[q][i] * n[i];
            if (merge) {
                p->n[o] *= n[i];
                p->sa[o] = sa[i];
                p->sr[o] = sr[i];
                for (int q = 0; q < N_IN; q++) p->sx[q][o] = sx[q][i];
                continue;
            }
        }
        p->n[m] = n[i];
        p->sa[m] = sa[i];
        p->sr[m] = sr[i];
        p->red[m] = red[i];
        for (int q = 0; q < N_IN; q++) p->sx[q][m] = sx[q][i];
        m++;
    }
    /* at least two dimensions, so the two innermost loops always exist */
    const int pad = m < 2 ? 2 - m : 0;
    for (int i = m - 1; i >= 0; i--) {
        p->n[i + pad] = p->n[i];
        p->sa[i + pad] = p->sa[i];
        p->sr[i + pad] = p->sr[i];
        p->red[i + pad] = p->red[i];
        for (int q = 0; q < N_IN; q++) p->sx[q][i + pad] = p->sx[q][i];
    }
    for (int i = 0; i < pad; i++) {
        p->n[i] = 1;
        p->sa[i] = 0;
        p->sr[i] = 0;
        p->red[i] = 0;
        for (int q = 0; q < N_IN; q++) p->sx[q][i] = 0;
    }
    p->m = m + pad;
}
"""
_PLAN += _SPLIT

_WALK = r"""
/* Walk the broadcast shape along the plan, dimension `split` restricted to [lo, hi). */
static void walk(const plan_t *p, const char *const *base, const th_constants *kc, PARAMS, int split,
                 th_int lo, th_int hi) {
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
        const char *x[N_IN];
        th_int a = 0, r = 0;
        for (int q = 0; q < N_IN; q++) x[q] = base[q];
        for (int d = 0; d < J; d++) {
            for (int q = 0; q < N_IN; q++) x[q] += idx[d] * p->sx[q][d];
            a += idx[d] * p->sa[d];
            r += idx[d] * p->sr[d];
        }
        inner(p, x, kc, ARGS, a, r, first[J], last[J], first[I], last[I]);
        int d = J - 1;
        while (d >= 0 && ++idx[d] == last[d]) {
            idx[d] = first[d];
            d--;
        }
        if (d < 0) break;
    }
}
"""

# The start of both kernels' entry points: the broadcast shape, the Composite's constants, the
# reduction's parameters, the outputs.
_PROLOGUE = r"""
    const th_array *in = ctx->inputs;
    const th_int *bcast = (const th_int *)ctx->params;  /* per input: its broadcastable dims */
    th_constants kc;
    memcpy(&kc, ctx->params + N_IN * sizeof(th_int), sizeof kc);
    const reduce_params *rp =
        (const reduce_params *)(ctx->params + N_IN * sizeof(th_int) + (sizeof kc + 7) / 8 * 8);
    th_int dims[ND2];
    if (th_elemwise_shape(ctx, N_IN, bcast, dims)) return -1;
EMPTY_CHECKALLOC_OUTPUTS    if (n_out == 0) return 0;
""".lstrip("\n")

_BODY = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
""" + _PROLOGUE + r"""    out_t *out = (out_t *)ctx->outputs[0].data;
    th_int size = 1;
    for (int d = 0; d < ND; d++) size *= dims[d];
    if (size == 0) {
        /* nothing to reduce: the identity */
        for (th_int e = 0; e < n_out; e++) out[e] = IDENTITY;
        return 0;
    }
    acc_t *acc = ACC_BUFFER;
    if (!acc) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for a reduction's accumulator");
    plan_t p;
    make_plan(&p, in, dims, rp->reduced);
    const char *base[N_IN];
    for (int q = 0; q < N_IN; q++) base[q] = in[q].data;
    int split = kept_split(&p);
    if (split >= 0) {
        /* threads share out a kept dimension: each writes its own accumulators */
        for (th_int e = 0; e < n_out; e++) acc[e] = START;
        const th_int chunks = chunk_count(ctx, &p, split, size), n = p.n[split];
OMP_KEPT        for (th_int c = 0; c < chunks; c++) {
            walk(&p, base, &kc, acc, split, n * c / chunks, n * (c + 1) / chunks);
        }
    } else {
        /* one value: threads share out the outermost dimension, with one partial result each */
        split = 0;
        while (split < p.m - 1 && p.n[split] == 1) split++;
        const th_int chunks = chunk_count(ctx, &p, split, size), n = p.n[split];
        acc_t *parts = (acc_t *)ctx->scratch(ctx, (size_t)chunks * sizeof(acc_t));
        if (!parts) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for a reduction's accumulator");
OMP_PARTS        for (th_int c = 0; c < chunks; c++) {
            parts[c] = START;
            walk(&p, base, &kc, parts + c, split, n * c / chunks, n * (c + 1) / chunks);
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


def _row_functions(row_template: str, in_types: list[str], single: list[int]) -> str:
    """Two copies of the reduce_c row function ``reduce_row(x, n)``: ``row_unit`` reading each input
    as a contiguous array, ``row_strided`` through byte strides; both with reduce_c's order of terms."""
    pattern = re.compile(r"LOAD\(x\[([^\]]+)\]\)")
    signature = "(const in_t *restrict x, th_int n)"
    if signature not in row_template or not pattern.search(row_template):
        raise RuntimeError("reduce_c's row function changed shape: update fused_reduce_c")
    pieces = []
    for variant in ("unit", "strided"):
        params = ["const th_constants *restrict kc"]
        args = []
        for j, ctype in enumerate(in_types):
            if j in single:
                params.append(f"const {ctype} s{j}")
                args.append(f"s{j}")
            elif variant == "unit":
                params.append(f"const {ctype} *restrict x{j}")
                args.append(f"x{j}[(e)]")
            else:
                params += [f"const char *restrict x{j}", f"const th_int t{j}"]
                args.append(f"*(const {ctype} *)(x{j} + (e) * t{j})")
        text = pattern.sub(r"FETCH(\1)", row_template)
        text = text.replace(signature, f"({', '.join(params)}, th_int n)").replace("reduce_row", f"row_{variant}")
        text = text.replace("static ", "static inline ", 1)
        # vectorize each block's loop over k (contiguous lanes), not the loop over blocks (gcc would
        # unroll k and gather every 16th element into a lane); the order of the terms is unchanged
        text = text.replace("        for (int k = 0; k < BLOCK; k++) {\n            const acc_t a = part[k], v",
                            "        #pragma GCC unroll 1\n"
                            "        for (int k = 0; k < BLOCK; k++) {\n            const acc_t a = part[k], v")
        pieces.append(f"\n/* the value of element e of the row ({variant} inputs) */\n"
                      f"#define FETCH(e) LOAD(th_value(kc, {', '.join(args)}))\n{text}\n#undef FETCH\n")
    return "".join(pieces)


def _accumulate_functions(in_types: list[str], single: list[int]) -> str:
    """``acc_unit`` / ``acc_strided``: combine a row of values into as many contiguous accumulators."""
    pieces = []
    for variant in ("unit", "strided"):
        params = ["acc_t *restrict acc", "const th_constants *restrict kc"]
        args = []
        for j, ctype in enumerate(in_types):
            if j in single:
                params.append(f"const {ctype} s{j}")
                args.append(f"s{j}")
            elif variant == "unit":
                params.append(f"const {ctype} *restrict x{j}")
                args.append(f"x{j}[i]")
            else:
                params += [f"const char *restrict x{j}", f"const th_int t{j}"]
                args.append(f"*(const {ctype} *)(x{j} + i * t{j})")
        pieces.append("\n".join([
            f"/* Combine a row of n values ({variant} inputs) into n contiguous accumulators. */",
            f"static inline void acc_{variant}({', '.join(params)}, th_int n) {{",
            "    for (th_int i = 0; i < n; i++) {",
            f"        const acc_t a = acc[i], v = LOAD(th_value(kc, {', '.join(args)}));",
            "        acc[i] = COMBINE(a, v);",
            "    }",
            "}",
            "",
        ]))
    return "\n".join(pieces)


def _inner(in_types: list[str], single: list[int]) -> str:
    """``inner``: the two innermost dimensions, J (rows j0..j1) and I (columns i0..i1)."""
    n_in = len(in_types)
    arrays = [j for j in range(n_in) if j not in single]
    unit_check = " && ".join(f"p->sx[{j}][I] == (th_int)sizeof({in_types[j]})" for j in arrays) or "1"
    values = [f"const {in_types[j]} s{j} = *(const {in_types[j]} *)x[{j}];" for j in single]

    def call(name: str, variant: str, offset: str, extra: list[str]) -> str:
        args = list(extra) + ["kc"]
        for j in range(n_in):
            if j in single:
                args.append(f"s{j}")
            elif variant == "unit":
                args.append(f"(const {in_types[j]} *)(x[{j}] + j * p->sx[{j}][J]) + {offset}")
            else:
                args += [f"x[{j}] + j * p->sx[{j}][J] + {offset} * p->sx[{j}][I]", f"p->sx[{j}][I]"]
        return f"{name}({', '.join(args)}, i1 - i0)"

    lines = [
        "/* The two innermost dimensions: J (rows j0..j1) and I (columns i0..i1). */",
        "static void inner(const plan_t *p, const char *const *x, const th_constants *kc, acc_t *acc, th_int a0,",
        "                  th_int r, th_int j0, th_int j1, th_int i0, th_int i1) {",
        "    const int J = p->m - 2, I = p->m - 1;",
        "    (void)r;",
        "    const th_int saJ = p->sa[J], saI = p->sa[I];",
        f"    const int unit = {unit_check};  /* every array input contiguous along I */",
    ]
    lines += ["    " + v for v in values]
    lines += [
        "    if (p->red[I]) {",
        "        /* reduced innermost dimension: one accumulator per row */",
        "        for (th_int j = j0; j < j1; j++) {",
        "            acc_t a = acc[a0 + j * saJ];",
        f"            const acc_t v = unit ? {call('row_unit', 'unit', 'i0', [])}",
        f"                                 : {call('row_strided', 'strided', 'i0', [])};",
        "            a = COMBINE(a, v);",
        "            acc[a0 + j * saJ] = a;",
        "        }",
        "    } else {",
        "        /* kept innermost dimension: combine each row of values into the accumulator row */",
        "        (void)saI;  /* 1: the accumulator is C-contiguous over the kept dimensions */",
        "        for (th_int j = j0; j < j1; j++) {",
        "            acc_t *target = acc + a0 + j * saJ + i0;",
        f"            if (unit) {call('acc_unit', 'unit', 'i0', ['target'])};",
        f"            else {call('acc_strided', 'strided', 'i0', ['target'])};",
        "        }",
        "    }",
        "}",
        "",
    ]
    return "\n".join(lines)


def _value_function(body: _Body, in_types: list[str], out_type: str) -> str:
    params = ["const th_constants *kc"] + [f"const {ctype} i{j}" for j, ctype in enumerate(in_types)]
    lines = [f"static inline {out_type} th_value({', '.join(params)}) {{",
             "    const th_constants *k = kc;",
             "    (void)k;"]
    lines += ["    " + line for line in body.lines]
    lines += [f"    return {body.results[0]};", "}", ""]
    return "\n".join(lines)


def _head(node, elemwise, body: _Body, reduced: list[int], types: dict[str, str]) -> list[str]:
    """The kernel's first lines: the op's comment, typedefs, the plan's constants and ``th_value``."""
    in_types = [c_type(x.type.dtype) for x in node.inputs]
    layout, _ = body.constants_layout()
    outs = ", ".join(o.type.dtype for o in node.outputs)
    head = [scalar_c.support_code(),
            # (the Composite's expression is left out: its constants are parameters, so pre-maps differing
            # only in them share this source)
            f"/* FusedReduce{{{type(node.op.reduce_op).__name__}}} : ({', '.join(x.type.dtype for x in node.inputs)})"
            f" -> ({outs}); any axes (parameters)",
            " * the reduction of th_value(inputs) (the fused elementwise pre-map), each value computed and",
            " * combined at once: no temporary */"]
    head += [f"typedef {ctype} {name};" for name, ctype in types.items()]
    head += [f"enum {{ N_IN = {len(node.inputs)}, ND2 = TH_MAX_DIMS }};",
             "/* the number of dimensions (every input has the output's) */",
             "#define ND (in[0].nd)",
             "/* after the inputs' broadcast masks and the constants, the parameters hold 1 for each reduced",
             " * axis and the message of the error for an empty reduced axis: one kernel serves every axis */",
             "typedef struct {",
             "    int64_t reduced[TH_MAX_DIMS];",
             "    char message[256];",
             "} reduce_params;",
             "typedef struct {"]
    head += [f"    {c_type(dtype)} {name};" for name, dtype, _ in layout] or ["    char unused;"]
    head += ["} th_constants;", "", _value_function(body, in_types, c_type(elemwise.outputs[0].type.dtype))]
    return head


def _alloc(n_outputs: int) -> str:
    """C allocating the outputs (the broadcast shape without the reduced axes); sets ``n_out``."""
    lines = ["    th_int out_dims[TH_MAX_DIMS];",
             "    int out_nd = 0;",
             "    for (int d = 0; d < ND; d++)",
             "        if (!rp->reduced[d]) out_dims[out_nd++] = dims[d];"]
    lines += [f"    if (ctx->alloc_output(ctx, {o}, out_nd, out_dims)) return -1;" for o in range(n_outputs)]
    lines += ["    th_int n_out = 1;", "    for (int k = 0; k < out_nd; k++) n_out *= out_dims[k];"]
    return "\n".join(lines) + "\n"


def _reduce_params(elemwise, body: _Body, reduced: list[int], message: str) -> bytes:
    """The pre-map's parameters (broadcast masks, constants), padded to 8 bytes, then ``reduce_params``."""
    data = _params(elemwise, body)
    data += bytes(-len(data) % 8)
    flags = np.zeros(32, dtype=np.int64)
    flags[reduced] = 1
    text = message.encode()[:255]
    return data + flags.tobytes() + text + bytes(256 - len(text))


@register_kernel(FusedReduce)
def fused_reduce_kernel(node) -> Kernel | None:
    """The C kernel of a FusedReduce node, or None when a dtype, the pre-map's scalar ops or the
    reduction have no C rendering (the node then runs its Python ``perform``)."""
    op = node.op
    if not node.inputs or not _tensor_types_supported(node):
        return None
    elemwise, _ = op.unfused_nodes(node.inputs)
    nd = elemwise.outputs[0].type.ndim
    if nd == 0 or nd > 32 or not _tensor_types_supported(elemwise):
        return None
    axis = op.reduce_op.axis if op.reduce_op.axis is not None else tuple(range(nd))
    reduced = sorted(int(a) % nd for a in axis)
    if not reduced:
        return None
    body = _Body(elemwise)
    if not body.ok:
        return None
    if isinstance(op.reduce_op, CAReduce):
        source = _careduce_source(node, elemwise, body, reduced)
        message = f"{op.reduce_op}: cannot reduce an empty array along axis {axis} (the op has no identity)"
    else:
        source = _arg_source(node, elemwise, body, reduced)
        message = "attempt to get argmax/argmin of an empty sequence"
    if source is None:
        return None
    name = symbol_name("fused_reduce", source)
    return Kernel(name, source.replace("KERNEL_NAME", name),
                  params=_reduce_params(elemwise, body, reduced, message))


def _careduce_source(node, elemwise, body: _Body, reduced: list[int]) -> str | None:
    reduce_op = node.op.reduce_op
    kind = getattr(reduce_op.scalar_op, "name", None)
    if kind not in _SCALAR_OPS:
        return None
    value_dtype = elemwise.outputs[0].type.dtype
    out_dtype = node.outputs[0].type.dtype
    acc_dtype = reduce_op._acc_dtype(value_dtype)
    if not supported(acc_dtype):
        return None
    if kind in ("and_", "or_", "xor") and "f" in (np.dtype(value_dtype).kind, np.dtype(acc_dtype).kind):
        return None  # NumPy's bitwise reductions refuse floats: leave the error to perform
    in_types = [c_type(x.type.dtype) for x in node.inputs]
    single = [j for j, x in enumerate(node.inputs) if all(x.type.broadcastable)]
    acc_ctype = c_type(acc_dtype)
    if kind in ("add", "mul") and acc_dtype in _UNSIGNED:  # wrapping integer arithmetic
        acc_ctype = _UNSIGNED[acc_dtype]
    load = _convert("x", value_dtype, acc_dtype)
    if acc_ctype != c_type(acc_dtype):
        load = f"((acc_t){load})"
    identity = _identity(reduce_op)
    types = {"in_t": c_type(value_dtype), "acc_t": acc_ctype, "out_t": c_type(out_dtype)}
    head = _head(node, elemwise, body, reduced, types)
    head += [f"#define LOAD(x) ({load})",
             f"#define COMBINE(a, v) {_combine(kind, acc_dtype)}",
             f"#define START {_start(kind, acc_dtype)}",
             f"enum {{ BLOCK = {max(_BLOCK_BYTES // np.dtype(acc_dtype).itemsize, 1)} }};"]
    if kind in ("maximum", "minimum") and np.dtype(acc_dtype).kind == "f":
        row_template = _row_extreme("reduce_row", "acc_t", ">" if kind == "maximum" else "<", True)
    else:
        row_template = _REDUCE_ROW
    if identity is None:
        empty_check = _EMPTY_CHECK
    else:
        empty_check = ""
    if acc_dtype == out_dtype:
        acc_buffer, finish = "(acc_t *)out", ""
    else:
        acc_buffer = "(acc_t *)ctx->scratch(ctx, (size_t)n_out * sizeof(acc_t))"
        value = _convert(f"({c_type(acc_dtype)})acc[e]", acc_dtype, out_dtype)
        finish = f"    for (th_int e = 0; e < n_out; e++) out[e] = {value};\n"
    identity_c = _convert(str(identity if identity is not None else 0), "int64", out_dtype)
    entry = (_BODY.replace("EMPTY_CHECK", empty_check)
             .replace("ALLOC_OUTPUTS", _alloc(1))
             .replace("IDENTITY", identity_c)
             .replace("ACC_BUFFER", acc_buffer)
             .replace("OMP_KEPT", _omp("chunks > 1", 2))
             .replace("OMP_PARTS", _omp("chunks > 1", 2))
             .replace("FINISH", finish))
    return ("\n".join(head) + "\n"
            + _row_functions(row_template, in_types, single)
            + _accumulate_functions(in_types, single)
            + _PLAN + _inner(in_types, single) + _WALK.replace("PARAMS", "acc_t *acc").replace("ARGS", "acc")
            + entry)


_EMPTY_CHECK = """    for (int d = 0; d < ND; d++)
        if (rp->reduced[d] && dims[d] == 0) TH_FAIL(ctx, TH_VALUE_ERROR, rp->message);
"""


# ------------------------------------------------------------------------------------------------
# Argmax, Argmin, MaxAndArgmax of a pre-map
# ------------------------------------------------------------------------------------------------


_ARG_ROW = r"""
/* Where the extreme value of a contiguous row of n values first is (-1: none beats START), and the
 * value in *extreme; a NaN is the extreme value (its first occurrence). BLOCK lanes each keep their
 * best value and its first index (strict comparisons), with vectorizable selects; the lanes are
 * combined by value, then by the smallest index. */
static inline th_int arg_row(ROW_PARAMS, th_int n, in_t *extreme) {
    in_t part[BLOCK];
    th_int at[BLOCK], nan_at[BLOCK];
    for (int k = 0; k < BLOCK; k++) {
        part[k] = START;
        at[k] = -1;
        nan_at[k] = n;
    }
    th_int i = 0;
    for (; i + BLOCK <= n; i += BLOCK) {
        #pragma GCC unroll 1
        for (int k = 0; k < BLOCK; k++) {
            const in_t v = FETCH(i + k);
            const int better = v COMPARE part[k];
            part[k] = better ? v : part[k];
            at[k] = better ? i + k : at[k];
            nan_at[k] = (v != v && nan_at[k] == n) ? i + k : nan_at[k];
        }
    }
    for (; i < n; i++) {
        const in_t v = FETCH(i);
        if (v COMPARE part[0]) {
            part[0] = v;
            at[0] = i;
        }
        if (v != v && nan_at[0] == n) nan_at[0] = i;
    }
    th_int first_nan = n;
    for (int k = 0; k < BLOCK; k++) first_nan = nan_at[k] < first_nan ? nan_at[k] : first_nan;
    if (first_nan < n) {
        *extreme = FETCH(first_nan);
        return first_nan;
    }
    in_t best = START;
    th_int where = -1;
    for (int k = 0; k < BLOCK; k++) {
        if (at[k] < 0) continue;
        if (where < 0 || part[k] COMPARE best || (part[k] == best && at[k] < where)) {
            best = part[k];
            where = at[k];
        }
    }
    *extreme = best;
    return where;
}
"""


def _arg_row(in_types: list[str], single: list[int], compare: str) -> str:
    """``arg_row``: the vectorizable search of a row whose array inputs are contiguous."""
    params = ["const th_constants *restrict kc"]
    args = []
    for j, ctype in enumerate(in_types):
        if j in single:
            params.append(f"const {ctype} s{j}")
            args.append(f"s{j}")
        else:
            params.append(f"const {ctype} *restrict x{j}")
            args.append(f"x{j}[(e)]")
    text = _ARG_ROW.replace("ROW_PARAMS", ", ".join(params)).replace("COMPARE", compare)
    return f"\n#define FETCH(e) th_value(kc, {', '.join(args)})\n{text}#undef FETCH\n\n"


def _arg_inner(in_types: list[str], single: list[int]) -> str:
    """``inner`` of the arg reductions: the values in index order, so that a strict comparison keeps
    the first occurrence (a NaN is the extreme value, its first occurrence, as in NumPy)."""
    n_in = len(in_types)
    arrays = [j for j in range(n_in) if j not in single]
    unit_check = " && ".join(f"p->sx[{j}][I] == (th_int)sizeof({in_types[j]})" for j in arrays) or "1"
    values = [f"const {in_types[j]} s{j} = *(const {in_types[j]} *)x[{j}];" for j in single]
    element = ", ".join(f"s{j}" if j in single else f"*(const {in_types[j]} *)(x[{j}] + j * p->sx[{j}][J] + i * "
                        f"p->sx[{j}][I])" for j in range(n_in))
    row = ", ".join(f"s{j}" if j in single else f"(const {in_types[j]} *)(x[{j}] + j * p->sx[{j}][J]) + i0"
                    for j in range(n_in))
    lines = [
        "/* The two innermost dimensions: J (rows j0..j1) and I (columns i0..i1), in index order. */",
        "static void inner(const plan_t *p, const char *const *x, const th_constants *kc, in_t *best, int64_t *where,",
        "                  th_int a0, th_int r, th_int j0, th_int j1, th_int i0, th_int i1) {",
        "    const int J = p->m - 2, I = p->m - 1;",
        "    const th_int saJ = p->sa[J], saI = p->sa[I], srJ = p->sr[J], srI = p->sr[I];",
        f"    const int unit = {unit_check};  /* every array input contiguous along I */",
    ]
    lines += ["    " + v for v in values]
    lines += [
        "    if (p->red[I]) {",
        "        for (th_int j = j0; j < j1; j++) {",
        "            in_t b = best[a0 + j * saJ];",
        "            th_int found = -1;",
        "            if (unit && i1 - i0 >= 4 * BLOCK) {",
        "                /* a long contiguous row: vectorized lanes */",
        "                in_t v;",
        f"                const th_int at = arg_row(kc, {row}, i1 - i0, &v);",
        "                if (at >= 0 && BETTER(v, b)) {",
        "                    b = v;",
        "                    found = i0 + at;",
        "                }",
        "            } else {",
        "                for (th_int i = i0; i < i1; i++) {",
        f"                    const in_t v = th_value(kc, {element});",
        "                    if (BETTER(v, b)) {",
        "                        b = v;",
        "                        found = i;",
        "                    }",
        "                }",
        "            }",
        "            if (found >= 0) {",
        "                best[a0 + j * saJ] = b;",
        "                where[a0 + j * saJ] = r + j * srJ + found * srI;",
        "            }",
        "        }",
        "    } else {",
        "        for (th_int j = j0; j < j1; j++) {",
        "            in_t *b = best + a0 + j * saJ;",
        "            int64_t *w = where + a0 + j * saJ;",
        "            for (th_int i = i0; i < i1; i++) {",
        f"                const in_t v = th_value(kc, {element});",
        "                if (BETTER(v, b[i * saI])) {",
        "                    b[i * saI] = v;",
        "                    w[i * saI] = r + j * srJ;",
        "                }",
        "            }",
        "        }",
        "    }",
        "}",
        "",
    ]
    return "\n".join(lines)


_ARG_BODY = r"""
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
""" + _PROLOGUE + r"""    in_t *best = BEST_BUFFER;
    if (!best) TH_FAIL(ctx, TH_MEMORY_ERROR, "out of memory for an argmax's accumulator");
    int64_t *where = (int64_t *)ctx->outputs[INDEX_OUTPUT].data;
    for (th_int e = 0; e < n_out; e++) {
        best[e] = START;
        where[e] = 0;
    }
    th_int size = 1;
    for (int d = 0; d < ND; d++) size *= dims[d];
    plan_t p;
    make_plan(&p, in, dims, rp->reduced);
    const char *base[N_IN];
    for (int q = 0; q < N_IN; q++) base[q] = in[q].data;
    int split = kept_split(&p);
    th_int chunks = 1, n = 1;
    if (split >= 0) {
        /* threads share out a kept dimension: each writes its own outputs */
        chunks = chunk_count(ctx, &p, split, size);
        n = p.n[split];
    } else {
        split = 0;
        n = p.n[0];
    }
OMP_KEPT    for (th_int c = 0; c < chunks; c++) {
        walk(&p, base, &kc, best, where, split, n * c / chunks, n * (c + 1) / chunks);
    }
    return 0;
}
"""


def _arg_source(node, elemwise, body: _Body, reduced: list[int]) -> str | None:
    reduce_op = node.op.reduce_op
    value_dtype = elemwise.outputs[0].type.dtype
    with_max = isinstance(reduce_op, MaxAndArgmax)
    if with_max or getattr(reduce_op, "arg_func", None) is np.argmax:
        compare, start = ">", _lowest(value_dtype)
    elif getattr(reduce_op, "arg_func", None) is np.argmin:
        compare, start = "<", _highest(value_dtype)
    else:
        return None
    is_float = np.dtype(value_dtype).kind == "f"
    # v replaces the best value b so far (a NaN replaces anything but a NaN)
    better = f"((v) {compare} (b) || ((v) != (v) && (b) == (b)))" if is_float else f"((v) {compare} (b))"
    in_types = [c_type(x.type.dtype) for x in node.inputs]
    single = [j for j, x in enumerate(node.inputs) if all(x.type.broadcastable)]
    head = _head(node, elemwise, body, reduced, {"in_t": c_type(value_dtype)})
    head += [f"#define BETTER(v, b) {better}", f"#define START ((in_t){start})",
             f"enum {{ BLOCK = {max(_BLOCK_BYTES // np.dtype(value_dtype).itemsize, 1)} }};"]
    best_buffer = "(in_t *)ctx->scratch(ctx, (size_t)n_out * sizeof(in_t))"
    if with_max:  # the maximum is output 0
        best_buffer = "(in_t *)ctx->outputs[0].data"
    entry = (_ARG_BODY
             .replace("EMPTY_CHECK", _EMPTY_CHECK)
             .replace("ALLOC_OUTPUTS", _alloc(2 if with_max else 1))
             .replace("BEST_BUFFER", best_buffer)
             .replace("INDEX_OUTPUT", "1" if with_max else "0")
             .replace("OMP_KEPT", _omp("chunks > 1", 1)))
    walk = _WALK.replace("PARAMS", "in_t *best, int64_t *where").replace("ARGS", "best, where")
    return ("\n".join(head) + "\n" + _arg_row(in_types, single, compare) + _PLAN + _arg_inner(in_types, single)
            + walk + entry)
