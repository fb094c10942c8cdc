"""Kernels for advanced indexing with integer vectors.

* ``AdvancedSubtensor1``: ``x[ilist]``, the rows of x picked by an integer vector (``np.take``
  along axis 0), and ``AdvancedIncSubtensor1``, its update: rows set to ``y`` (the last write of
  a repeated row wins) or incremented by ``y`` (repeated rows accumulate, as ``np.add.at``).
* ``AdvancedSubtensor`` and ``AdvancedIncSubtensor`` for the pattern of the negative
  log-likelihood, ``p[rows, cols]``: two integer vectors indexing a matrix (a vector of length 1
  repeats). Other advanced indices have no kernel here (their nodes run in Python).

Indices may have any integer dtype and are read with their C type, then converted to int64 as
NumPy converts index arrays (a uint64 above the int64 range wraps around). Negative indices count
from the end; an index out of range is an IndexError with NumPy's words and the perform's suffix.
Errors come in the order the perform meets them, so each bad input raises the exception type the
Python implementation raises: for ``x[ilist] = y`` a ``y`` of the wrong shape is found before a bad
index, for ``np.add.at`` after it.
"""

from __future__ import annotations

import numpy as np

from theano.link.c.kernels import Kernel, register_kernel
from theano.link.c.types import c_type, supported
from theano.link.c.views_c import CSource, broadcast_y, c_string, check_y_flags, convert, increment, read_y_safely
from theano.tensor.advanced_indexing import (
    AdvancedIncSubtensor,
    AdvancedIncSubtensor1,
    AdvancedSubtensor,
    AdvancedSubtensor1,
)
from theano.tensor.subtensor import _index_str
from theano.tensor.type import TensorType

__all__ = ["advanced_inc_subtensor1_kernel", "advanced_subtensor1_kernel", "nll_inc_subtensor_kernel",
           "nll_subtensor_kernel"]


def _index_vector(var) -> bool:
    return (isinstance(var.type, TensorType) and var.type.ndim == 1 and supported(var.type.dtype)
            and np.dtype(var.type.dtype).kind in "iu")


def _checker(src: CSource, dtype: str) -> str:
    """A C function checking an index vector against an axis (IndexError like NumPy's) and storing
    its indices, negative ones counted from the end, as th_int."""
    name = f"check_indices_{dtype}"
    text = f"""
/* Check the {dtype} indices of `index` against an axis of `length` and store them, negative ones
 * counted from the end, in `at`; `where` ends the error message. */
static int {name}(th_ctx *ctx, const th_array *index, th_int length, int axis, th_int *at, const char *where) {{
    const th_int n = index->dims[0], stride = index->strides[0];
    for (th_int k = 0; k < n; k++) {{
        const th_int given = (th_int)*(const {c_type(dtype)} *)(index->data + k * stride);
        if (given < -length || given >= length) {{
            char message[1024];
            snprintf(message, sizeof message, "index %lld is out of bounds for axis %d with size %lld%s",
                     (long long)given, axis, (long long)length, where);
            TH_FAIL(ctx, TH_INDEX_ERROR, message);
        }}
        at[k] = given < 0 ? given + length : given;
    }}
    return 0;
}}
"""
    return src.need(name, text)


def _where(src: CSource, text: str, x: str = "x") -> None:
    """Lines formatting ``where``: `` (<text> ... shape (..)...)`` where ``%s`` in ``text`` is x's shape."""
    src.add("    char where[512], x_shape[256];",
            f"    {src.format_shape()}(x_shape, sizeof x_shape, {x}->nd, {x}->dims);",
            f'    snprintf(where, sizeof where, "{text}", x_shape);')


def _scratch_indices(src: CSource, name: str, count: str) -> None:
    src.add(f"    th_int *{name} = ctx->scratch(ctx, (size_t)({count} > 0 ? {count} : 1) * sizeof(th_int));",
            f'    if ({name} == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, "no memory for the indices");')


# ------------------------------------------------------------------------------------------
# x[ilist] and its update
# ------------------------------------------------------------------------------------------

@register_kernel(AdvancedSubtensor1)
def advanced_subtensor1_kernel(node) -> Kernel | None:
    """``np.take(x, ilist, axis=0)`` into a new array."""
    x, ilist = node.inputs
    if not (isinstance(x.type, TensorType) and supported(x.type.dtype) and _index_vector(ilist)):
        return None
    dtype = x.type.dtype
    ct = c_type(dtype)
    nd = x.type.ndim
    src = CSource(node)
    check = _checker(src, ilist.type.dtype)
    src.add("    const th_array *x = &ctx->inputs[0], *ilist = &ctx->inputs[1];",
            "    const th_int n = ilist->dims[0];")
    _where(src, " (AdvancedSubtensor1 on an array of shape %s)")
    _scratch_indices(src, "rows", "n")
    src.add(f"    if ({check}(ctx, ilist, x->dims[0], 0, rows, where)) return -1;",
            f"    th_int dims[{nd}];",
            "    dims[0] = n;")
    for d in range(1, nd):
        src.add(f"    dims[{d}] = x->dims[{d}];")
    src.add(f"    if (ctx->alloc_output(ctx, 0, {nd}, dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];")
    if nd == 1:
        src.add(f"    {ct} *o = ({ct} *)out->data;",
                f"    for (th_int k = 0; k < n; k++) o[k] = *(const {ct} *)(x->data + rows[k] * x->strides[0]);")
    else:
        copy = src.strided("copy", dtype, dtype)
        src.add("    for (th_int k = 0; k < n; k++)",
                f"        {copy}({nd - 1}, dims + 1, out->data + k * out->strides[0], out->strides + 1,",
                f"        {' ' * len(copy)} x->data + rows[k] * x->strides[0], x->strides + 1);")
    src.add("    return 0;")
    return src.kernel("advanced_subtensor1")


@register_kernel(AdvancedIncSubtensor1)
def advanced_inc_subtensor1_kernel(node) -> Kernel | None:
    """``x`` with the rows ``x[ilist]`` set to ``y`` or incremented by it (``np.add.at``)."""
    x, y, ilist = node.inputs
    op = node.op
    tensors = (x, y)
    if not (all(isinstance(v.type, TensorType) and supported(v.type.dtype) for v in tensors)
            and _index_vector(ilist)):
        return None
    dtype, y_dtype = x.type.dtype, y.type.dtype
    nd = x.type.ndim
    label = str(op)
    src = CSource(node)
    check = _checker(src, ilist.type.dtype)
    src.add("    const th_array *x = &ctx->inputs[0], *y = &ctx->inputs[1], *ilist = &ctx->inputs[2];",
            "    const th_int n = ilist->dims[0];",
            f"    th_int target[{nd}];",
            "    target[0] = n;")
    for d in range(1, nd):
        src.add(f"    target[{d}] = x->dims[{d}];")
    _where(src, c_string(f" ({label} on an array of shape ") + "%s)")
    _scratch_indices(src, "rows", "n")
    check_y_flags(src, y, nd, "target", label)
    check_rows = f"if ({check}(ctx, ilist, x->dims[0], 0, rows, where)) return -1;"
    if op.set_instead_of_inc:  # x[ilist] = y: y's shape first
        broadcast_y(src, y, nd, "target", label)
        src.add(f"    {check_rows}")
    else:  # np.add.at: the indices first
        src.add(f"    {check_rows}")
        broadcast_y(src, y, nd, "target", label)
    read_y_safely(src, node, nd, op.inplace)
    src.add("    if (ctx->alloc_output(ctx, 0, x->nd, x->dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];")
    if not op.inplace:
        copy = src.strided("copy", dtype, dtype)
        src.add(f"    {copy}(x->nd, x->dims, out->data, out->strides, x->data, x->strides);")
    mode = "copy" if op.set_instead_of_inc else "inc"
    if nd == 1:
        ct, yt = c_type(dtype), c_type(y_dtype)
        value = convert(f"*(const {yt} *)(y_data + k * y_strides[0])", y_dtype, dtype)
        src.add("    for (th_int k = 0; k < n; k++) {",
                f"        {ct} *row = ({ct} *)(out->data + rows[k] * out->strides[0]);")
        src.add(f"        *row = {value};" if mode == "copy" else f"        *row = {increment('*row', value, dtype)};")
        src.add("    }")
    else:
        apply = src.strided(mode, dtype, y_dtype)
        src.add("    for (th_int k = 0; k < n; k++)",
                f"        {apply}({nd - 1}, target + 1, out->data + rows[k] * out->strides[0], out->strides + 1,",
                f"        {' ' * len(apply)} y_data + k * y_strides[0], y_strides + 1);")
    src.add("    return 0;")
    return src.kernel("advanced_inc_subtensor1")


# ------------------------------------------------------------------------------------------
# p[rows, cols]: the negative log-likelihood's pick of one entry per row, and its gradient
# ------------------------------------------------------------------------------------------

def _is_nll_pattern(node, first_index: int) -> bool:
    """Whether ``node`` indexes a matrix with exactly two integer vectors."""
    x = node.inputs[0]
    indices = node.inputs[first_index:]
    idx_list = node.op.idx_list
    return (isinstance(x.type, TensorType) and x.type.ndim == 2 and supported(x.type.dtype)
            and len(idx_list) == 2 and all(isinstance(e, TensorType) for e in idx_list)
            and len(indices) == 2 and all(_index_vector(v) for v in indices))


def _pair_indices(src: CSource, node, first_index: int) -> str:
    """Lines checking that the two index vectors broadcast (``n``, their common length) and
    declaring the index storage (``ia``, ``ib``); returns the C statement that checks and
    stores both vectors."""
    a, b = node.inputs[first_index:first_index + 2]
    check_a, check_b = _checker(src, a.type.dtype), _checker(src, b.type.dtype)
    src.add(f"    const th_array *a = &ctx->inputs[{first_index}], *b = &ctx->inputs[{first_index + 1}];",
            "    const th_int na = a->dims[0], nb = b->dims[0];")
    _where(src, c_string(" (indexing an array of shape ") + "%s" + c_string(f" with [{_index_str(node.op.idx_list)}])"))
    src.add("    if (na != nb && na != 1 && nb != 1)")
    src.fail("TH_INDEX_ERROR", "shape mismatch: indexing arrays could not be broadcast together with shapes "
             "(%lld,) (%lld,) %s", "(long long)na", "(long long)nb", "where")
    src.add("    const th_int n = na == 1 ? nb : na;",
            "    const th_int stride_a = na == 1 ? 0 : 1, stride_b = nb == 1 ? 0 : 1;")
    _scratch_indices(src, "ia", "na")
    _scratch_indices(src, "ib", "nb")
    # NumPy checks no index when the broadcast result is empty
    check = (f"if (n > 0 && ({check_a}(ctx, a, x->dims[0], 0, ia, where) || "
             f"{check_b}(ctx, b, x->dims[1], 1, ib, where))) return -1;")
    return check


@register_kernel(AdvancedSubtensor)
def nll_subtensor_kernel(node) -> Kernel | None:
    """``x[rows, cols]`` for a matrix x and two integer vectors, into a new vector."""
    if type(node.op) is not AdvancedSubtensor or not _is_nll_pattern(node, 1):
        return None
    ct = c_type(node.inputs[0].type.dtype)
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0];")
    check = _pair_indices(src, node, 1)
    src.add(f"    {check}",
            "    if (ctx->alloc_output(ctx, 0, 1, &n)) return -1;",
            f"    {ct} *o = ({ct} *)ctx->outputs[0].data;",
            "    const th_int s0 = x->strides[0], s1 = x->strides[1];",
            "    for (th_int k = 0; k < n; k++)",
            f"        o[k] = *(const {ct} *)(x->data + ia[k * stride_a] * s0 + ib[k * stride_b] * s1);",
            "    return 0;")
    return src.kernel("advanced_subtensor")


@register_kernel(AdvancedIncSubtensor)
def nll_inc_subtensor_kernel(node) -> Kernel | None:
    """``x`` with ``x[rows, cols]`` set to ``y`` or incremented by it (``np.add.at``), for a matrix
    x and two integer vectors (the gradient of ``p[rows, cols]``)."""
    op = node.op
    if type(op) is not AdvancedIncSubtensor or not _is_nll_pattern(node, 2):
        return None
    x, y = node.inputs[:2]
    if not (isinstance(y.type, TensorType) and supported(y.type.dtype)) or y.type.ndim > 1:
        return None
    dtype, y_dtype = x.type.dtype, y.type.dtype
    ct, yt = c_type(dtype), c_type(y_dtype)
    label = str(op)
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0], *y = &ctx->inputs[1];")
    check = _pair_indices(src, node, 2)
    src.add("    th_int target[1];",
            "    target[0] = n;")
    # the perform reads x[rows, cols] (its IndexErrors) before refusing a stretched y, and
    # again to report a y that does not broadcast: bad indices always win
    check_y_flags(src, y, 1, "target", label, before=check)
    src.add(f"    {check}")
    broadcast_y(src, y, 1, "target", label)
    read_y_safely(src, node, 1, op.inplace)
    src.add("    if (ctx->alloc_output(ctx, 0, 2, x->dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];")
    if not op.inplace:
        copy = src.strided("copy", dtype, dtype)
        src.add(f"    {copy}(2, x->dims, out->data, out->strides, x->data, x->strides);")
    value = convert(f"*(const {yt} *)(y_data + k * y_strides[0])", y_dtype, dtype)
    src.add("    const th_int s0 = out->strides[0], s1 = out->strides[1];",
            "    for (th_int k = 0; k < n; k++) {",
            f"        {ct} *at = ({ct} *)(out->data + ia[k * stride_a] * s0 + ib[k * stride_b] * s1);")
    src.add(f"        *at = {value};" if op.set_instead_of_inc else f"        *at = {increment('*at', value, dtype)};")
    src.add("    }",
            "    return 0;")
    return src.kernel("advanced_inc_subtensor")
