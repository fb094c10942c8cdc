"""Kernels for creation ops: ``ARange`` of integers (the ``arange(n)`` of ``p[arange(n), y]``)."""

from __future__ import annotations

from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type
from theano.tensor.creation import ARange

_SIGNED_INPUTS = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")


@register_kernel(ARange)
def arange_kernel(node) -> Kernel | None:
    """``np.arange(start, stop, step)`` for integer inputs that fit in int64 and an int64 or int32
    output (values then fit: they lie between start and stop); None otherwise."""
    dtypes = [x.type.dtype for x in node.inputs]
    out_dtype = node.outputs[0].type.dtype
    if any(d not in _SIGNED_INPUTS for d in dtypes) or out_dtype not in ("int64", "int32"):
        return None
    reads = [f"const int64_t {name} = (int64_t)*(const {c_type(d)} *)ctx->inputs[{k}].data;"
             for k, (name, d) in enumerate(zip(("start", "stop", "step"), dtypes))]
    out_t = c_type(out_dtype)
    source = "\n".join([
        f"/* {node.op} : ({', '.join(dtypes)}) -> {out_dtype} vector */",
        "TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {",
        *("    " + line for line in reads),
        '    if (step == 0) TH_FAIL(ctx, TH_VALUE_ERROR, "arange: step must not be zero");',
        "    /* ceil((stop - start) / step) in unsigned arithmetic: no overflow for any signs */",
        "    th_int length = 0;",
        "    if ((step > 0 && stop > start) || (step < 0 && stop < start)) {",
        "        const uint64_t distance = step > 0 ? (uint64_t)stop - (uint64_t)start"
        " : (uint64_t)start - (uint64_t)stop;",
        "        const uint64_t stride = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;",
        "        length = (th_int)((distance + stride - 1) / stride);",
        "    }",
        "    if (ctx->alloc_output(ctx, 0, 1, &length)) return -1;",
        f"    {out_t} *out = ({out_t} *)ctx->outputs[0].data;",
        "    for (th_int i = 0; i < length; i++) out[i] = (" + out_t + ")(start + i * step);",
        "    return 0;",
        "}",
    ]) + "\n"
    name = symbol_name("arange", source)
    return Kernel(name, source.replace("KERNEL_NAME", name))
