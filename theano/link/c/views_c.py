"""Kernels for views, shapes, copies and basic indexing.

Most of these ops return a view of their input: the kernel computes the view's shape, strides
and byte offset and hands them to ``ctx->view_output``, which makes a NumPy array sharing the
input's memory (DimShuffle, Rebroadcast, SpecifyShape, ViewOp, Subtensor, and Reshape when the
input's layout allows it, by NumPy's rule). The others fill a new array from
``ctx->alloc_output`` (DeepCopyOp, Alloc, Shape, Shape_i, Reshape's copy, IncSubtensor).

Values, views and errors follow the ops' Python ``perform``:

* a basic index computes its slices with Python's rules (``PySlice_AdjustIndices``: negative
  bounds count from the end, bounds are clipped, steps may be negative; a zero step is a
  ValueError) and checks its integers like NumPy (IndexError);
* a Subtensor whose integers pick one element returns a new 0-d array, as ``np.asarray(x[i, j])``
  does, not a view;
* IncSubtensor broadcasts ``y`` with NumPy's rules after converting it to ``x``'s dtype, refuses a
  ``y`` stretched along a dimension its type does not declare broadcastable (as
  :func:`theano.tensor.subtensor.check_update_broadcast`), and reads ``y`` from a copy when it
  overlaps the ``x`` it overwrites.

Symbolic indices are ScalarType inputs (NumPy scalars at run time). The runtime passes kernels
arrays only, so nodes with such inputs keep their Python ``perform`` until the kernel interface
says (``TH_SCALAR_INPUTS`` in ``th_kernel.h``) that scalars arrive as 0-d arrays; likewise
SpecifyShape waits for ``TH_ASSERTION_ERROR``, the AssertionError its ``perform`` raises.

The C helpers shared with :mod:`theano.link.c.indexing_c` (the strided copy and increment loops,
shape formatting, reading integer indices of any dtype) are built by :class:`CSource`.
"""

from __future__ import annotations

import numpy as np

from theano.compile.ops import DeepCopyOp, ViewOp
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.runtime import header
from theano.link.c.types import c_type, supported
from theano.scalar.type import ScalarType
from theano.tensor.basic import Alloc, Rebroadcast
from theano.tensor.elemwise import DimShuffle
from theano.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape
from theano.tensor.subtensor import IncSubtensor, Subtensor, _index_str
from theano.tensor.type import TensorType

INT64_MAX = 2**63 - 1

__all__ = ["CSource", "c_string", "convert", "increment", "interface_has", "tensor_of"]


# ------------------------------------------------------------------------------------------
# Helpers shared by the generators of this module and indexing_c
# ------------------------------------------------------------------------------------------

def interface_has(name: str) -> bool:
    """Whether the kernel interface (``th_kernel.h``) defines ``name``."""
    return name in header()


def tensor_of(var, need_c_type: bool = True) -> bool:
    """Whether ``var`` is a tensor the kernels handle: a C dtype, or with ``need_c_type=False``
    any numeric dtype (for kernels that only compute views and never touch the elements)."""
    if not isinstance(var.type, TensorType):
        return False
    if need_c_type:
        return supported(var.type.dtype)
    return np.dtype(var.type.dtype).kind in "biufc"


def c_string(text: str) -> str:
    """``text`` as the body of a C string literal that is also a printf format."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


def convert(expression: str, src_dtype: str, dst_dtype: str) -> str:
    """C converting a value of ``src_dtype`` to ``dst_dtype`` as NumPy's ``astype`` does."""
    if src_dtype == dst_dtype:
        return expression
    if dst_dtype == "bool":
        return f"(uint8_t)(({expression}) != 0)"
    return f"({c_type(dst_dtype)})({expression})"


def increment(a: str, b: str, dtype: str) -> str:
    """C for ``a + b`` in ``dtype`` as NumPy computes it (integers wrap around; booleans: or)."""
    if dtype == "bool":
        return f"(uint8_t)(({a}) | ({b}))"
    kind = np.dtype(dtype).kind
    if kind == "i":
        unsigned = "u" + c_type(dtype)
        return f"({c_type(dtype)})(({unsigned})({a}) + ({unsigned})({b}))"
    if kind == "u":
        return f"({c_type(dtype)})(({a}) + ({b}))"
    return f"({a}) + ({b})"


_FORMAT_SHAPE = r"""
/* A shape as Python prints a tuple: (), (3,), (2, 3). */
static const char *format_shape(char *buffer, size_t size, int nd, const th_int *dims) {
    size_t used = (size_t)snprintf(buffer, size, "(");
    for (int d = 0; d < nd && used < size; d++)
        used += (size_t)snprintf(buffer + used, size - used, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (used < size) snprintf(buffer + used, size - used, nd == 1 ? ",)" : ")");
    return buffer;
}
"""

_DENSE = r"""
/* Whether `nd` dimensions with these strides lay their elements out in C order, without gaps. */
static int dense_layout(int nd, const th_int *dims, const th_int *strides, th_int itemsize) {
    th_int expected = itemsize;
    for (int d = nd - 1; d >= 0; d--) {
        if (dims[d] != 1 && strides[d] != expected) return 0;
        expected *= dims[d];
    }
    return 1;
}
"""

_OVERLAP = r"""
/* Whether two arrays' elements may share bytes (their address ranges intersect). */
static int may_overlap(const th_array *a, th_int a_itemsize, const th_array *b, th_int b_itemsize) {
    if (th_size(a) == 0 || th_size(b) == 0) return 0;
    const char *a_lo = a->data, *a_hi = a->data + a_itemsize;
    const char *b_lo = b->data, *b_hi = b->data + b_itemsize;
    for (int d = 0; d < a->nd; d++) {
        th_int span = (a->dims[d] - 1) * a->strides[d];
        if (span < 0) a_lo += span; else a_hi += span;
    }
    for (int d = 0; d < b->nd; d++) {
        th_int span = (b->dims[d] - 1) * b->strides[d];
        if (span < 0) b_lo += span; else b_hi += span;
    }
    return a_lo < b_hi && b_lo < a_hi;
}
"""


def _strided_function(name: str, mode: str, dst_dtype: str, src_dtype: str) -> str:
    """C of ``static void name(nd, dims, dst, dst_strides, src, src_strides)``: over every index
    of ``dims``, ``dst = src`` (mode "copy") or ``dst += src`` (mode "inc"), ``src`` converted to
    ``dst_dtype``. Strides are in bytes, any sign; a 0 stride repeats a source element."""
    dt, st = c_type(dst_dtype), c_type(src_dtype)
    value = convert("s[e]", src_dtype, dst_dtype)
    value_at = convert(f"*(const {st} *)(src + e * ss)", src_dtype, dst_dtype)
    repeated = convert(f"*(const {st} *)src", src_dtype, dst_dtype)
    if mode == "copy":
        contiguous, at, broadcast = f"d[e] = {value};", f"*({dt} *)(dst + e * ds) = {value_at};", "d[e] = v;"
        single = f"*({dt} *)dst = {repeated};"
    else:
        contiguous = f"d[e] = {increment('d[e]', value, dst_dtype)};"
        at = f"*({dt} *)(dst + e * ds) = {increment(f'*({dt} *)(dst + e * ds)', value_at, dst_dtype)};"
        broadcast = f"d[e] = {increment('d[e]', 'v', dst_dtype)};"
        single = f"*({dt} *)dst = {increment(f'*({dt} *)dst', repeated, dst_dtype)};"
    memcpy = ""
    if mode == "copy" and dst_dtype == src_dtype:
        memcpy = f"""
    if (dense_layout(nd, dims, dst_strides, sizeof({dt})) && dense_layout(nd, dims, src_strides, sizeof({st}))) {{
        memcpy(dst, src, (size_t)n * sizeof({dt}));
        return;
    }}"""
    return f"""
/* dst {'=' if mode == 'copy' else '+='} src over every index of dims ({dst_dtype} <- {src_dtype}); strides in bytes. */
static void {name}(int nd, const th_int *dims, char *dst, const th_int *dst_strides, const char *src,
{' ' * (len(name) + 13)}const th_int *src_strides) {{
    th_int n = 1;
    for (int d = 0; d < nd; d++) n *= dims[d];
    if (n == 0) return;
    if (nd == 0) {{
        {single}
        return;
    }}{memcpy}
    th_int index[nd];
    for (int d = 0; d < nd; d++) index[d] = 0;
    const th_int last = dims[nd - 1], ds = dst_strides[nd - 1], ss = src_strides[nd - 1];
    for (;;) {{
        /* the last dimension */
        if (ds == sizeof({dt}) && ss == sizeof({st})) {{
            {dt} *d = ({dt} *)dst;
            const {st} *s = (const {st} *)src;
            for (th_int e = 0; e < last; e++) {contiguous}
        }} else if (ds == sizeof({dt}) && ss == 0) {{
            {dt} *d = ({dt} *)dst;
            const {dt} v = {repeated};
            for (th_int e = 0; e < last; e++) {broadcast}
        }} else {{
            for (th_int e = 0; e < last; e++) {at}
        }}
        /* the next index of the other dimensions */
        int k = nd - 2;
        for (; k >= 0; k--) {{
            dst += dst_strides[k];
            src += src_strides[k];
            if (++index[k] < dims[k]) break;
            dst -= dst_strides[k] * dims[k];
            src -= src_strides[k] * dims[k];
            index[k] = 0;
        }}
        if (k < 0) return;
    }}
}}
"""


class CSource:
    """A kernel's C source being assembled: helper functions (each pasted once), then the
    entry point ``KERNEL_NAME`` named after the op in a comment.

    Parameters
    ----------
    node : Apply
        The node the kernel computes (named, with its types, in the comment above the kernel).
    """

    def __init__(self, node):
        self.node = node
        self.helpers: dict[str, str] = {}
        self.lines: list[str] = []

    def need(self, name: str, text: str) -> str:
        self.helpers.setdefault(name, text)
        return name

    def format_shape(self) -> str:
        """The name of the shape formatter (``format_shape(buffer, size, nd, dims)``)."""
        return self.need("format_shape", _FORMAT_SHAPE)

    def may_overlap(self) -> str:
        return self.need("may_overlap", _OVERLAP)

    def strided(self, mode: str, dst_dtype: str, src_dtype: str) -> str:
        """The name of a strided copy (``mode="copy"``) or increment (``"inc"``) function."""
        self.need("dense_layout", _DENSE)
        name = f"{mode}_{dst_dtype}_from_{src_dtype}"
        return self.need(name, _strided_function(name, mode, dst_dtype, src_dtype))

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def fail(self, kind: str, message: str, *args: str, depth: int = 1) -> None:
        """Lines raising ``kind`` with a printf ``message`` (its arguments are C expressions;
        ``%s`` arguments may be ``shape:<nd>:<dims>`` to format a shape). When the last line is
        an ``if (...)`` or ``else`` without a body, the lines become its body."""
        pad = "    " * depth
        values = []
        buffers = []
        for arg in args:
            if arg.startswith("shape:"):
                _, nd, dims = arg.split(":", 2)
                buffers.append(f"shape{len(buffers)}")
                values.append(f"{self.format_shape()}({buffers[-1]}, sizeof {buffers[-1]}, {nd}, {dims})")
            else:
                values.append(arg)
        last = self.lines[-1].rstrip() if self.lines else ""
        if last.endswith(")") and last.lstrip().startswith(("if (", "else if (")) or last.endswith("else"):
            self.lines[-1] = last + " {"
        else:
            self.add(f"{pad}{{")
        for buffer in buffers:
            self.add(f"{pad}    char {buffer}[256];")
        self.add(f"{pad}    char message[1024];")
        rest = "".join(f", {v}" for v in values)
        self.add(f'{pad}    snprintf(message, sizeof message, "{message}"{rest});')
        self.add(f"{pad}    TH_FAIL(ctx, {kind}, message);")
        self.add(f"{pad}}}")

    def kernel(self, prefix: str) -> Kernel:
        node = self.node
        types = ", ".join(str(v.type) for v in node.inputs)
        out_types = ", ".join(str(v.type) for v in node.outputs)
        text = f"{node.op} : ({types}) -> ({out_types})".replace("*/", "* /")
        comment = f"/* {text} */"
        source = "".join(self.helpers.values()) + "\n" + comment + "\n"
        source += "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {\n" + "\n".join(self.lines) + "\n}\n"
        name = symbol_name(prefix, source)
        return Kernel(name, source.replace("KERNEL_NAME", name))


def read_integer(pointer: str, dtype: str, clamp: bool = True) -> str:
    """C reading an integer of ``dtype`` at ``pointer`` as a ``th_int``. uint64 values above the
    int64 range become INT64_MAX when ``clamp`` (Python's view of a huge scalar index), else
    wrap around as NumPy's cast of an index array does."""
    value = f"*(const {c_type(dtype)} *)({pointer})"
    if dtype == "uint64" and clamp:
        return f"({value} > (uint64_t)INT64_MAX ? (th_int)INT64_MAX : (th_int){value})"
    return f"(th_int){value}"


def index_input_ok(var) -> bool:
    """Whether an index input (a ScalarType or 0-d TensorType integer) can reach a kernel."""
    dtype = var.type.dtype
    if dtype == "bool" or not supported(dtype) or np.dtype(dtype).kind not in "iu":
        return False
    if isinstance(var.type, ScalarType):
        return interface_has("TH_SCALAR_INPUTS")
    return isinstance(var.type, TensorType) and var.type.ndim == 0


def _c_view_op(node, prefix: str) -> Kernel:
    """The output as a view of all of input 0."""
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0];",
            "    return ctx->view_output(ctx, 0, 0, x->nd, x->dims, x->strides, 0);")
    return src.kernel(prefix)


# ------------------------------------------------------------------------------------------
# Views: DimShuffle, Rebroadcast, SpecifyShape, ViewOp
# ------------------------------------------------------------------------------------------

# One compiled kernel serves every DimShuffle: the order, the dropped axes, the item size and
# the op's name (for the error message) are its parameters.
_DIMSHUFFLE_SOURCE = r"""
/* DimShuffle (every order: new_order, the dropped axes and the op's name are parameters) */
typedef struct {
    int64_t out_nd, itemsize, n_drop;
    int64_t order[TH_MAX_DIMS];  /* input axis of each output axis, -1 for a new axis ('x') */
    int64_t drop[TH_MAX_DIMS];   /* input axes dropped (they must have length 1) */
    char name[256];
} dimshuffle_params;

TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const dimshuffle_params *p = (const dimshuffle_params *)ctx->params;
    const th_array *x = &ctx->inputs[0];
    th_int dims[TH_MAX_DIMS], strides[TH_MAX_DIMS];
    for (int64_t k = 0; k < p->n_drop; k++) {
        if (x->dims[p->drop[k]] != 1) {
            char message[400];
            snprintf(message, sizeof message, "%s: the dropped axis %lld has length %lld, not 1", p->name,
                     (long long)p->drop[k], (long long)x->dims[p->drop[k]]);
            ctx->set_error(ctx, TH_VALUE_ERROR, message);
            return -1;
        }
    }
    /* new axes get the stride a C-contiguous array would have there */
    for (int64_t o = p->out_nd - 1; o >= 0; o--) {
        if (p->order[o] >= 0) {
            dims[o] = x->dims[p->order[o]];
            strides[o] = x->strides[p->order[o]];
        } else {
            dims[o] = 1;
            strides[o] = o + 1 < p->out_nd ? strides[o + 1] * dims[o + 1] : p->itemsize;
        }
    }
    return ctx->view_output(ctx, 0, 0, (int)p->out_nd, dims, strides, 0);
}
"""


@register_kernel(DimShuffle)
def dimshuffle_kernel(node) -> Kernel | None:
    """A view with permuted dimensions, dropped length-1 dimensions and new ones of length 1."""
    if not tensor_of(node.inputs[0], need_c_type=False):
        return None
    op = node.op
    out_nd = len(op.new_order)
    if out_nd > 32 or node.inputs[0].type.ndim > 32:
        return None
    order = [-1 if entry == "x" else int(entry) for entry in op.new_order]
    drop = [int(axis) for axis in op.drop]
    name = str(op).encode()[:255]
    params = np.zeros(3 + 2 * 32, dtype=np.int64)
    params[:3] = (out_nd, np.dtype(node.inputs[0].type.dtype).itemsize, len(drop))
    params[3:3 + out_nd] = order
    params[35:35 + len(drop)] = drop
    data = params.tobytes() + name + bytes(256 - len(name))
    source = "#include <stdio.h>\n" + _DIMSHUFFLE_SOURCE
    kernel_name = symbol_name("dimshuffle", source)
    return Kernel(kernel_name, source.replace("KERNEL_NAME", kernel_name), params=data)


@register_kernel(Rebroadcast)
def rebroadcast_kernel(node) -> Kernel | None:
    """A view of the input after checking that the axes declared broadcastable have length 1."""
    if not tensor_of(node.inputs[0], need_c_type=False):
        return None
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0];")
    for axis, broadcastable in node.op.axis:
        if broadcastable:
            src.add(f"    if (x->dims[{axis}] != 1)")
            src.fail("TH_VALUE_ERROR", c_string(f"Axis {axis} of the input was declared broadcastable but has "
                                                "length ") + "%lld", f"(long long)x->dims[{axis}]")
    src.add("    return ctx->view_output(ctx, 0, 0, x->nd, x->dims, x->strides, 0);")
    return src.kernel("rebroadcast")


@register_kernel(SpecifyShape)
def specify_shape_kernel(node) -> Kernel | None:
    """A view of the input after checking its shape (AssertionError, as the perform)."""
    x, shape = node.inputs
    if not tensor_of(x, need_c_type=False) or not tensor_of(shape) or not interface_has("TH_ASSERTION_ERROR"):
        return None
    nd = x.type.ndim
    src = CSource(node)
    read = read_integer("shape->data + d * shape->strides[0]", shape.type.dtype)
    src.add("    const th_array *x = &ctx->inputs[0], *shape = &ctx->inputs[1];",
            "    const th_int n = shape->dims[0] < 64 ? shape->dims[0] : 64;",
            "    th_int given[64];",
            f"    for (th_int d = 0; d < n; d++) given[d] = {read};",
            f"    int same = shape->dims[0] == {nd};",
            f"    for (int d = 0; d < {nd} && same; d++) same = given[d] == x->dims[d];",
            "    if (!same)")
    src.fail("TH_ASSERTION_ERROR", "specify_shape: got shape %s, expected %s", "shape:x->nd:x->dims",
             "shape:(int)n:given")
    src.add("    return ctx->view_output(ctx, 0, 0, x->nd, x->dims, x->strides, 0);")
    return src.kernel("specify_shape")


@register_kernel(ViewOp)
def view_op_kernel(node) -> Kernel | None:
    """The input itself, as a view (ViewOp and OutputGuard)."""
    if not tensor_of(node.inputs[0], need_c_type=False):
        return None
    return _c_view_op(node, "view_op")


# ------------------------------------------------------------------------------------------
# Shapes and copies: Shape, Shape_i, DeepCopyOp, Alloc
# ------------------------------------------------------------------------------------------

@register_kernel(Shape)
def shape_kernel(node) -> Kernel | None:
    """The input's shape as a new int64 vector."""
    if not tensor_of(node.inputs[0], need_c_type=False):
        return None
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0];",
            "    const th_int nd = x->nd;",
            "    if (ctx->alloc_output(ctx, 0, 1, &nd)) return -1;",
            "    const th_array *out = &ctx->outputs[0];",
            "    for (int d = 0; d < x->nd; d++) *(int64_t *)(out->data + d * out->strides[0]) = x->dims[d];",
            "    return 0;")
    return src.kernel("shape")


_SHAPE_I_SOURCE = r"""
/* Shape_i (every axis: the axis is the parameter) */
TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {
    const int64_t i = *(const int64_t *)ctx->params;
    const th_array *x = &ctx->inputs[0];
    if (x->nd <= i) TH_FAIL(ctx, TH_INDEX_ERROR, "tuple index out of range");
    if (ctx->alloc_output(ctx, 0, 0, NULL)) return -1;
    *(int64_t *)ctx->outputs[0].data = x->dims[i];
    return 0;
}
"""


@register_kernel(Shape_i)
def shape_i_kernel(node) -> Kernel | None:
    """The length of one axis of the input, as a new int64 0-d array (one kernel for every axis)."""
    if not tensor_of(node.inputs[0], need_c_type=False):
        return None
    name = symbol_name("shape_i", _SHAPE_I_SOURCE)
    return Kernel(name, _SHAPE_I_SOURCE.replace("KERNEL_NAME", name),
                  params=np.asarray([node.op.i], dtype=np.int64).tobytes())


@register_kernel(DeepCopyOp)
def deep_copy_kernel(node) -> Kernel | None:
    """A C-contiguous copy of the input."""
    if not tensor_of(node.inputs[0]):
        return None
    dtype = node.inputs[0].type.dtype
    src = CSource(node)
    copy = src.strided("copy", dtype, dtype)
    src.add("    const th_array *x = &ctx->inputs[0];",
            "    if (ctx->alloc_output(ctx, 0, x->nd, x->dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];",
            f"    {copy}(x->nd, x->dims, out->data, out->strides, x->data, x->strides);",
            "    return 0;")
    return src.kernel("deep_copy")


@register_kernel(Alloc)
def alloc_kernel(node) -> Kernel | None:
    """A new array of the given shape filled with the value, broadcast with NumPy's rules."""
    value, *shape = node.inputs
    if not tensor_of(value) or not tensor_of(node.outputs[0]) or not all(index_input_ok(s) for s in shape):
        return None
    dtype = node.outputs[0].type.dtype
    ct = c_type(dtype)
    nd = len(shape)
    vnd = value.type.ndim
    lead = nd - vnd
    src = CSource(node)
    copy = src.strided("copy", dtype, value.type.dtype)
    src.add("    const th_array *value = &ctx->inputs[0];",
            f"    th_int dims[{max(nd, 1)}], strides[{max(nd, 1)}];")
    for d, var in enumerate(shape):
        src.add(f"    dims[{d}] = {read_integer(f'ctx->inputs[{d + 1}].data', var.type.dtype)};")
    src.add(f"    for (int d = 0; d < {nd}; d++) {{",
            "        if (dims[d] < 0)")
    src.fail("TH_VALUE_ERROR", "alloc: negative dimension in shape %s", f"shape:{nd}:dims", depth=2)
    src.add("    }",
            "    /* the value's strides over the output's dimensions: 0 where it repeats */")
    for d in range(lead):
        src.add(f"    strides[{d}] = 0;")
    for d in range(vnd):
        o = lead + d
        src.add(f"    if (value->dims[{d}] == dims[{o}]) strides[{o}] = value->strides[{d}];",
                f"    else if (value->dims[{d}] == 1) strides[{o}] = 0;",
                "    else")
        src.fail("TH_VALUE_ERROR", "alloc: cannot broadcast a value of shape %s to shape %s",
                 "shape:value->nd:value->dims", f"shape:{nd}:dims")
    first_value = convert(f"*(const {c_type(value.type.dtype)} *)value->data", value.type.dtype, dtype)
    src.add(f"    if (ctx->alloc_output(ctx, 0, {nd}, dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];",
            "    if (th_size(value) == 1) {",
            "        /* one value everywhere */",
            f"        const {ct} v = {first_value};",
            f"        {ct} *o = ({ct} *)out->data;",
            "        const th_int n = th_size(out);",
            "        for (th_int e = 0; e < n; e++) o[e] = v;",
            "        return 0;",
            "    }",
            f"    {copy}({nd}, dims, out->data, out->strides, value->data, strides);",
            "    return 0;")
    return src.kernel("alloc")


# ------------------------------------------------------------------------------------------
# Reshape
# ------------------------------------------------------------------------------------------

_RESHAPE_STRIDES = r"""
/* NumPy's rule for reshaping without a copy: the strides that read x's elements in C order with
 * the new shape, found by matching groups of old and new dimensions with equal products; 0 when
 * x's layout does not allow it. x has at least one element. */
static int reshape_strides(const th_array *x, int new_nd, const th_int *new_dims, th_int *new_strides,
                           th_int itemsize) {
    th_int old_dims[x->nd + 1], old_strides[x->nd + 1];
    int old_nd = 0;
    for (int d = 0; d < x->nd; d++) {
        if (x->dims[d] != 1) {  /* length-1 axes have no say */
            old_dims[old_nd] = x->dims[d];
            old_strides[old_nd] = x->strides[d];
            old_nd++;
        }
    }
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < new_nd && oi < old_nd) {
        th_int new_product = new_dims[ni], old_product = old_dims[oi];
        while (new_product != old_product) {
            if (new_product < old_product) {
                if (nj >= new_nd) return 0;
                new_product *= new_dims[nj++];
            } else {
                if (oj >= old_nd) return 0;
                old_product *= old_dims[oj++];
            }
        }
        /* the old axes of the group must be contiguous with each other */
        for (int ok = oi; ok < oj - 1; ok++)
            if (old_strides[ok] != old_dims[ok + 1] * old_strides[ok + 1]) return 0;
        new_strides[nj - 1] = old_strides[oj - 1];
        for (int nk = nj - 1; nk > ni; nk--) new_strides[nk - 1] = new_strides[nk] * new_dims[nk];
        ni = nj++;
        oi = oj++;
    }
    /* trailing new axes of length 1 */
    th_int last = ni >= 1 ? new_strides[ni - 1] : itemsize;
    for (int nk = ni; nk < new_nd; nk++) new_strides[nk] = last;
    return 1;
}
"""


@register_kernel(Reshape)
def reshape_kernel(node) -> Kernel | None:
    """``np.reshape``: a view when NumPy would make one (C-contiguous input, or strides that allow
    it), else a C-contiguous copy. One negative entry of the shape is the unknown length."""
    x, shape = node.inputs
    if not tensor_of(x) or not tensor_of(shape) or np.dtype(shape.type.dtype).kind not in "iu":
        return None
    nd = node.op.ndim
    dtype = x.type.dtype
    ct = c_type(dtype)
    src = CSource(node)
    copy = src.strided("copy", dtype, dtype)
    src.need("reshape_strides", _RESHAPE_STRIDES)
    n = max(nd, 1)
    src.add("    const th_array *x = &ctx->inputs[0], *shape = &ctx->inputs[1];",
            f"    th_int asked[{n}], dims[{n}], strides[{n}];",
            f"    if (shape->dims[0] != {nd}) {{")
    src.add("        th_int n = shape->dims[0] < 64 ? shape->dims[0] : 64;",
            "        th_int given[64];",
            "        for (th_int d = 0; d < n; d++)",
            f"            given[d] = {read_integer('shape->data + d * shape->strides[0]', shape.type.dtype)};")
    src.fail("TH_VALUE_ERROR", f"reshape: shape argument %s has %lld entries, expected {nd}", "shape:(int)n:given",
             "(long long)shape->dims[0]", depth=2)
    src.add("    }",
            "    /* the unknown (negative) entry takes the length that keeps the size */",
            "    const th_int size = th_size(x);",
            "    th_int known = 1;",
            "    int unknown = -1, bad = 0;",
            f"    for (int d = 0; d < {nd}; d++) {{",
            f"        asked[d] = dims[d] = {read_integer('shape->data + d * shape->strides[0]', shape.type.dtype)};",
            "        if (dims[d] < 0) {",
            "            if (unknown >= 0) bad = 1;",
            "            unknown = d;",
            "        } else if (__builtin_mul_overflow(known, dims[d], &known)) {",
            "            bad = 1;",
            "        }",
            "    }",
            "    if (!bad && unknown >= 0) {",
            "        if (known == 0 || size % known != 0) bad = 1;",
            "        else dims[unknown] = size / known;",
            "    } else if (!bad && known != size) {",
            "        bad = 1;",
            "    }",
            "    if (bad)")
    src.fail("TH_VALUE_ERROR", "cannot reshape an array of shape %s (size %lld) into shape %s",
             "shape:x->nd:x->dims", "(long long)size", f"shape:{nd}:asked")
    src.add(f"    int same = x->nd == {nd};",
            f"    for (int d = 0; d < {nd} && same; d++) same = x->dims[d] == dims[d];",
            "    if (same) return ctx->view_output(ctx, 0, 0, x->nd, x->dims, x->strides, 0);",
            f"    if (size == 0 || th_c_contiguous(x, sizeof({ct}))) {{",
            f"        th_int stride = sizeof({ct});",
            f"        for (int d = {nd} - 1; d >= 0; d--) {{",
            "            strides[d] = stride;",
            "            stride *= dims[d];",
            "        }",
            f"        return ctx->view_output(ctx, 0, 0, {nd}, dims, strides, 0);",
            "    }",
            f"    if (reshape_strides(x, {nd}, dims, strides, sizeof({ct})))",
            f"        return ctx->view_output(ctx, 0, 0, {nd}, dims, strides, 0);",
            "    /* no view reads x in C order: copy it, in C order, into a new array */",
            f"    if (ctx->alloc_output(ctx, 0, {nd}, dims)) return -1;",
            "    th_int packed[x->nd + 1];",
            f"    th_int stride = sizeof({ct});",
            "    for (int d = x->nd - 1; d >= 0; d--) {",
            "        packed[d] = stride;",
            "        stride *= x->dims[d];",
            "    }",
            f"    {copy}(x->nd, x->dims, ctx->outputs[0].data, packed, x->data, x->strides);",
            "    return 0;")
    return src.kernel("reshape")


# ------------------------------------------------------------------------------------------
# Basic indexing: Subtensor, IncSubtensor
# ------------------------------------------------------------------------------------------

def _basic_index(src: CSource, node, x: str, x_nd: int, first_input: int) -> int | None:
    """Lines computing, from ``x``'s dims, where ``x[idx_list]`` starts along each axis
    (``first[a]``) and its shape (``dims[o]``), each output axis ``o`` stepping ``step[o]`` along
    axis ``axis[o]`` of x. Returns the output's ndim, or None for an index kernels do not take."""
    op = node.op
    inputs = iter(enumerate(node.inputs[first_input:], first_input))
    out_nd = x_nd - sum(1 for e in op.idx_list if not isinstance(e, slice))
    suffix = c_string(" (indexing an array of shape ") + "%s" + c_string(f" with [{_index_str(op.idx_list)}])")
    src.add(f"    th_int first[{max(x_nd, 1)}], dims[{max(out_nd, 1)}], step[{max(out_nd, 1)}];",
            f"    int axis[{max(out_nd, 1)}];")

    def part(entry, default: str) -> str | None:
        if entry is None:
            return default
        if isinstance(entry, int):
            return f"{entry}"
        k, var = next(inputs)
        if not index_input_ok(var):
            return None
        return read_integer(f"ctx->inputs[{k}].data", var.type.dtype)

    parts = [p for e in op.idx_list for p in ((e.start, e.stop, e.step) if isinstance(e, slice) else (e,))]
    if any(isinstance(p, int) and not -INT64_MAX <= p <= INT64_MAX for p in parts):
        return None  # beyond int64: left to Python (its IndexError)
    o = 0
    for a, entry in enumerate(op.idx_list):
        src.add(f"    /* axis {a}: {_index_str([entry])} */", "    {",
                f"        const th_int length = {x}->dims[{a}];")
        if isinstance(entry, slice):
            start = part(entry.start, "")  # the node's inputs hold start, stop, step in this order
            stop = part(entry.stop, "")
            step = part(entry.step, "1")
            if step is None or start is None or stop is None:
                return None
            if isinstance(entry.step, ScalarType):
                src.add(f"        th_int s = {step};",
                        "        if (s == 0) TH_FAIL(ctx, TH_VALUE_ERROR, \"slice step cannot be zero\");",
                        "        if (s < -INT64_MAX) s = -INT64_MAX;  /* as Python clips it */")
            else:
                src.add(f"        const th_int s = {step};")
            src.add("        th_int start, stop;")
            for name, value, low, high in (("start", start, "-1 : 0", "length - 1 : length"),
                                           ("stop", stop, "-1 : 0", "length - 1 : length")):
                if not value:
                    default = "length - 1 : 0" if name == "start" else "-1 : length"
                    src.add(f"        {name} = s < 0 ? {default};")
                    continue
                src.add(f"        {name} = {value};",
                        f"        if ({name} < 0) {{",
                        f"            {name} += length;",
                        f"            if ({name} < 0) {name} = s < 0 ? {low};",
                        f"        }} else if ({name} >= length) {{",
                        f"            {name} = s < 0 ? {high};",
                        "        }")
            src.add(f"        first[{a}] = start;",
                    f"        step[{o}] = s;",
                    f"        axis[{o}] = {a};",
                    f"        if (s < 0) dims[{o}] = stop < start ? (start - stop - 1) / (-s) + 1 : 0;",
                    f"        else dims[{o}] = start < stop ? (stop - start - 1) / s + 1 : 0;",
                    "    }")
            o += 1
            continue
        if isinstance(entry, int):
            src.add(f"        const th_int given = {entry};")
        else:
            k, var = next(inputs)
            if not index_input_ok(var):
                return None
            if var.type.dtype == "uint64":
                return None  # above the int64 range, NumPy raises OverflowError (no kernel error kind)
            src.add(f"        const th_int given = {read_integer(f'ctx->inputs[{k}].data', var.type.dtype)};")
        src.add("        const th_int i = given < 0 ? given + length : given;",
                "        if (i < 0 || i >= length)")
        src.fail("TH_INDEX_ERROR", f"index %lld is out of bounds for axis {a} with size %lld" + suffix,
                 "(long long)given", "(long long)length", f"shape:{x}->nd:{x}->dims", depth=2)
        src.add(f"        first[{a}] = i;", "    }")
    for a in range(len(op.idx_list), x_nd):
        src.add(f"    first[{a}] = 0;", f"    dims[{o}] = {x}->dims[{a}];", f"    step[{o}] = 1;",
                f"    axis[{o}] = {a};")
        o += 1
    assert o == out_nd
    return out_nd


def _view_of(src: CSource, base: str, x_nd: int, out_nd: int) -> None:
    """Lines computing ``offset`` and ``strides`` of the indexed part of ``base`` (after
    :func:`_basic_index`); unsigned products, as strides times huge steps may wrap."""
    src.add(f"    th_int strides[{max(out_nd, 1)}];",
            "    th_int offset = 0;",
            f"    for (int a = 0; a < {x_nd}; a++) offset += first[a] * {base}->strides[a];",
            f"    for (int o = 0; o < {out_nd}; o++)",
            f"        strides[o] = (th_int)((uint64_t)step[o] * (uint64_t){base}->strides[axis[o]]);")


@register_kernel(Subtensor)
def subtensor_kernel(node) -> Kernel | None:
    """``x[i, a:b:c, ...]``: a view of x, or a new 0-d array when integers pick one element."""
    x = node.inputs[0]
    x_nd = x.type.ndim
    picks_one = x_nd > 0 and not any(isinstance(e, slice) for e in node.op.idx_list) and \
        len(node.op.idx_list) == x_nd
    if not tensor_of(x, need_c_type=picks_one):
        return None
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0];")
    out_nd = _basic_index(src, node, "x", x_nd, 1)
    if out_nd is None:
        return None
    _view_of(src, "x", x_nd, out_nd)
    if out_nd == 0 and x_nd > 0:
        ct = c_type(x.type.dtype)
        src.add("    /* one element: NumPy returns a scalar, which the perform wraps in a new array */",
                "    if (ctx->alloc_output(ctx, 0, 0, NULL)) return -1;",
                f"    *({ct} *)ctx->outputs[0].data = *(const {ct} *)(x->data + offset);",
                "    return 0;")
    else:
        src.add(f"    return ctx->view_output(ctx, 0, 0, {out_nd}, dims, strides, offset);")
    return src.kernel("subtensor")


def check_y_flags(src: CSource, y_var, target_nd: int, target_dims: str, label: str, before: str = "") -> None:
    """Lines refusing a ``y`` (``const th_array *y``) of length 1 along a dimension its type does not
    declare broadcastable where the target is longer (``check_update_broadcast``); the C
    statement ``before`` runs first (checks the perform makes before that one)."""
    y_nd = y_var.type.ndim
    lead = target_nd - y_nd
    for d in range(y_nd):
        if y_var.type.broadcastable[d]:
            continue
        src.add(f"    if (y->dims[{d}] == 1 && {target_dims}[{lead + d}] != 1) {{")
        if before:
            src.add(f"        {before}")
        src.fail("TH_VALUE_ERROR", c_string(f"{label}: y has length 1 along dimension {d}, which its type does not "
                                            "declare broadcastable, while the indexed part has shape ") + "%s" +
                 c_string("; make that dimension broadcastable (T.addbroadcast(y, d) or a row/col type) to "
                          "repeat y along it"), f"shape:{target_nd}:{target_dims}", depth=2)
        src.add("    }")


def broadcast_y(src: CSource, y_var, target_nd: int, target_dims: str, label: str) -> None:
    """Lines checking that ``y`` broadcasts to ``target_dims`` with NumPy's rules (ValueError) and
    computing ``y_strides[target_nd]``, 0 where y repeats."""
    y_nd = y_var.type.ndim
    lead = target_nd - y_nd
    src.add(f"    th_int y_strides[{max(target_nd, 1)}];")
    for d in range(lead):
        src.add(f"    y_strides[{d}] = 0;")
    for d in range(y_nd):
        src.add(f"    if (y->dims[{d}] == {target_dims}[{lead + d}]) y_strides[{lead + d}] = y->strides[{d}];",
                f"    else if (y->dims[{d}] == 1) y_strides[{lead + d}] = 0;",
                "    else")
        src.fail("TH_VALUE_ERROR", c_string(f"{label}: y of shape ") + "%s" +
                 c_string(" does not broadcast to the indexed shape ") + "%s",
                 "shape:y->nd:y->dims", f"shape:{target_nd}:{target_dims}")


def read_y_safely(src: CSource, node, target_nd: int, inplace: bool) -> None:
    """Lines pointing ``y_data`` (and ``y_strides``) at a packed copy of y when y overlaps the
    ``x`` that an inplace update overwrites (NumPy reads such a y before writing)."""
    y_dtype = node.inputs[1].type.dtype
    x_dtype = node.inputs[0].type.dtype
    src.add("    const char *y_data = y->data;")
    if not inplace:
        return
    yt = c_type(y_dtype)
    lead = target_nd - node.inputs[1].type.ndim
    copy = src.strided("copy", y_dtype, y_dtype)
    src.add(f"    if ({src.may_overlap()}(y, sizeof({yt}), &ctx->inputs[0], sizeof({c_type(x_dtype)}))) {{",
            "        /* y shares memory with the x being overwritten: read a copy of it */",
            f"        char *packed = ctx->scratch(ctx, (size_t)th_size(y) * sizeof({yt}));",
            "        if (packed == NULL) TH_FAIL(ctx, TH_MEMORY_ERROR, \"no memory for a copy of y\");",
            "        th_int packed_strides[y->nd + 1];",
            f"        th_int stride = sizeof({yt});",
            "        for (int d = y->nd - 1; d >= 0; d--) {",
            "            packed_strides[d] = stride;",
            "            stride *= y->dims[d];",
            "        }",
            f"        {copy}(y->nd, y->dims, packed, packed_strides, y->data, y->strides);",
            "        y_data = packed;",
            "        for (int d = 0; d < y->nd; d++)",
            f"            if (y_strides[{lead} + d] != 0) y_strides[{lead} + d] = packed_strides[d];",
            "    }")


@register_kernel(IncSubtensor)
def inc_subtensor_kernel(node) -> Kernel | None:
    """``x`` with ``x[i, a:b:c, ...]`` set to or incremented by ``y`` (in x itself when inplace)."""
    x, y = node.inputs[:2]
    op = node.op
    if not tensor_of(x) or not tensor_of(y):
        return None
    dtype = x.type.dtype
    x_nd = x.type.ndim
    src = CSource(node)
    src.add("    const th_array *x = &ctx->inputs[0], *y = &ctx->inputs[1];")
    out_nd = _basic_index(src, node, "x", x_nd, 2)
    if out_nd is None or y.type.ndim > out_nd:
        return None
    check_y_flags(src, y, out_nd, "dims", str(op))
    broadcast_y(src, y, out_nd, "dims", str(op))
    read_y_safely(src, node, out_nd, op.inplace)
    src.add("    if (ctx->alloc_output(ctx, 0, x->nd, x->dims)) return -1;",
            "    th_array *out = &ctx->outputs[0];")
    if not op.inplace:
        copy = src.strided("copy", dtype, dtype)
        src.add(f"    {copy}(x->nd, x->dims, out->data, out->strides, x->data, x->strides);")
    _view_of(src, "out", x_nd, out_nd)
    apply = src.strided("copy" if op.set_instead_of_inc else "inc", dtype, y.type.dtype)
    src.add(f"    {apply}({out_nd}, dims, out->data + offset, strides, y_data, y_strides);",
            "    return 0;")
    return src.kernel("inc_subtensor")
