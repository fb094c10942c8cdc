"""Kernels for Elemwise nodes: a scalar op (or a fused Composite) applied in a C loop.

Each kernel checks that the inputs' shapes agree (only dimensions whose type is broadcastable may
differ, as in :func:`theano.tensor.elemwise._broadcast_check`), asks the runtime for its outputs
(the overwritten input, for inplace nodes), and runs one of two loops:

* the flat loop, when every operand is C-contiguous with the output's shape (operands whose type
  is broadcastable in every dimension are single values read once): one ``for`` over the
  elements, which gcc vectorizes (with libmvec for math functions) and which OpenMP splits
  across threads above ``config.openmp_elemwise_minsize`` elements;
* the strided loop: one nested ``for`` per dimension, any strides (0 for broadcast dimensions,
  negative ones too), with a vectorizable innermost loop when every operand is contiguous along
  the last dimension.

The scalar computation is the op's C expression (:mod:`theano.link.c.scalar_c`), one typed
temporary per intermediate of a Composite, so each intermediate has the dtype the Python
implementation gives it. It is written once, as the static function ``th_element`` that every
loop calls: gcc inlines it where it is small, and a Composite of a thousand ops is compiled
once rather than once per loop.
"""

from __future__ import annotations

import math

import numpy as np

from theano.graph.basic import Constant
from theano.link.c import scalar_c
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type, supported
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise
from theano.tensor.type import TensorType


def c_literal(value, dtype: str) -> str:
    """A C literal of ``dtype`` for a Python/NumPy number (exact: floats in hexadecimal)."""
    if dtype == "bool":
        return "1" if bool(value) else "0"
    if np.dtype(dtype).kind in "iu":
        number = int(value)
        if dtype == "int64" and number == -(2**63):
            return "(-9223372036854775807LL - 1)"
        suffix = "ULL" if np.dtype(dtype).kind == "u" else "LL"
        return f"(({c_type(dtype)}){number}{suffix})"
    number = float(value)
    if math.isnan(number):
        text = "NAN"
    elif math.isinf(number):
        text = "INFINITY" if number > 0 else "(-INFINITY)"
    else:
        text = number.hex()
    if dtype == "float32":
        return f"((float){text})"
    return f"((double){text})"


class _Body:
    """The scalar computation of one element, as C statements over named inputs."""

    def __init__(self, node):
        scalar_op = node.op.scalar_op
        in_dtypes = tuple(x.type.dtype for x in node.inputs)
        out_dtypes = [o.type.dtype for o in node.outputs]
        self.lines: list[str] = []
        self.ok = True
        names: dict = {}
        if isinstance(scalar_op, Composite):
            inputs, outputs, nodes = scalar_op.graph_for(in_dtypes)
            for k, var in enumerate(inputs):
                names[var] = f"i{k}"
            for inner in nodes:
                if not self._emit(inner.op, inner.inputs, inner.outputs, names):
                    return
            results = [self._name_of(out, names) for out in outputs]
            result_dtypes = [out.type.dtype for out in outputs]
        else:
            inner_in = [f"i{k}" for k in range(len(in_dtypes))]
            expression = scalar_c.c_expression(scalar_op, inner_in, list(in_dtypes), out_dtypes[0])
            if expression is None or len(out_dtypes) != 1:
                self.ok = False
                return
            self.lines.append(f"const {c_type(out_dtypes[0])} t0 = {expression};")
            results = ["t0"]
            result_dtypes = out_dtypes
        self.results = []
        for name, have, want in zip(results, result_dtypes, out_dtypes):
            if not supported(have):
                self.ok = False
                return
            self.results.append(name if have == want else f"({c_type(want)})({name})")

    def _name_of(self, var, names: dict) -> str | None:
        if var in names:
            return names[var]
        if isinstance(var, Constant):
            if not supported(var.type.dtype):
                return None
            name = f"c{len(names)}"
            value = np.asarray(var.data).item()
            self.lines.append(f"const {c_type(var.type.dtype)} {name} = {c_literal(value, var.type.dtype)};")
            names[var] = name
            return name
        return None

    def _emit(self, op, inputs, outputs, names: dict) -> bool:
        args = [self._name_of(v, names) for v in inputs]
        if any(a is None for a in args) or len(outputs) != 1 or not supported(outputs[0].type.dtype):
            self.ok = False
            return False
        in_dtypes = [v.type.dtype for v in inputs]
        if not all(supported(d) for d in in_dtypes):
            self.ok = False
            return False
        out_dtype = outputs[0].type.dtype
        expression = scalar_c.c_expression(op, args, in_dtypes, out_dtype)
        if expression is None:
            self.ok = False
            return False
        name = f"t{len(names)}"
        self.lines.append(f"const {c_type(out_dtype)} {name} = {expression};  /* {op} */")
        names[outputs[0]] = name
        return True


def _mismatch(first: int, k: int, d: int) -> str:
    """The format of the shape-mismatch error (the same words as the Python implementation's)."""
    return (f"Input dimension mismatch: input[{first}].shape[{d}] = %lld, input[{k}].shape[{d}] = %lld "
            "(an elementwise op only broadcasts dimensions declared broadcastable; use T.addbroadcast or a "
            "row/col type)")


def _indent(lines: list[str], depth: int) -> str:
    pad = "    " * depth
    return "\n".join(pad + line for line in lines)


def _all_broadcastable(var) -> bool:
    return all(var.type.broadcastable)


@register_kernel(Elemwise)
def elemwise_kernel(node) -> Kernel | None:
    """The C loop of an Elemwise node, or None when a dtype or scalar op has no C rendering."""
    variables = list(node.inputs) + list(node.outputs)
    if not all(isinstance(v.type, TensorType) and supported(v.type.dtype) for v in variables):
        return None
    nd = node.outputs[0].type.ndim
    if any(v.type.ndim != nd for v in variables):
        return None
    body = _Body(node)
    if not body.ok:
        return None
    source = _kernel_source(node, body, nd)
    name = symbol_name("elemwise", source)
    return Kernel(name, source.replace("KERNEL_NAME", name))


def _kernel_source(node, body: _Body, nd: int) -> str:
    n_in, n_out = len(node.inputs), len(node.outputs)
    in_types = [c_type(x.type.dtype) for x in node.inputs]
    out_types = [c_type(o.type.dtype) for o in node.outputs]
    inplace = bool(node.op.inplace_pattern)
    restrict = "" if inplace else "restrict "
    scalar_inputs = [k for k, x in enumerate(node.inputs) if _all_broadcastable(x)]
    lines = [scalar_c.support_code(), f"/* {node.op} : ({', '.join(str(x.type) for x in node.inputs)}) -> "
             f"({', '.join(str(o.type) for o in node.outputs)}) */"]
    params = [f"const {in_types[k]} i{k}" for k in range(n_in)] + [f"{out_types[o]} *o{o}" for o in range(n_out)]
    lines.append(f"static inline void th_element({', '.join(params)}) {{")
    lines.append(_indent(body.lines + [f"*o{o} = {body.results[o]};" for o in range(n_out)], 1))
    lines.append("}")
    lines.append("")
    lines.append("TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {")
    lines.append("    th_array *in = ctx->inputs, *out = ctx->outputs;")
    # -- the output shape, with Theano's broadcasting check
    lines.append(f"    th_int dims[{max(nd, 1)}];")
    for d in range(nd):
        owners = [k for k, x in enumerate(node.inputs) if not x.type.broadcastable[d]]
        if not owners:
            lines.append(f"    dims[{d}] = 1;")
            continue
        first = owners[0]
        lines.append(f"    dims[{d}] = in[{first}].dims[{d}];")
        for k in owners[1:]:
            lines.append(f"    if (in[{k}].dims[{d}] != dims[{d}]) {{")
            lines.append("        char message[256];")
            lines.append(f'        snprintf(message, sizeof message, "{_mismatch(first, k, d)}", '
                         f'(long long)dims[{d}], (long long)in[{k}].dims[{d}]);')
            lines.append("        TH_FAIL(ctx, TH_VALUE_ERROR, message);")
            lines.append("    }")
    for o in range(n_out):
        lines.append(f"    if (ctx->alloc_output(ctx, {o}, {nd}, dims)) return -1;")
    lines.append("    th_int n = 1;")
    for d in range(nd):
        lines.append(f"    n *= dims[{d}];")
    lines.append("    if (n == 0) return 0;")
    # -- the flat loop
    full = [k for k in range(n_in) if k not in scalar_inputs]
    checks = [f"th_c_contiguous(&in[{k}], sizeof({in_types[k]}))" for k in full]
    checks += [f"in[{k}].dims[{d}] == dims[{d}]" for k in full for d in range(nd)]
    checks += [f"th_c_contiguous(&out[{o}], sizeof({out_types[o]}))" for o in range(n_out)]
    condition = " && ".join(checks) if checks else "1"
    lines.append(f"    if ({condition}) {{")
    flat = []
    for k in range(n_in):
        if k in scalar_inputs:
            flat.append(f"const {in_types[k]} i{k} = *(const {in_types[k]} *)in[{k}].data;")
        else:
            flat.append(f"const {in_types[k]} *{restrict}a{k} = (const {in_types[k]} *)in[{k}].data;")
    for o in range(n_out):
        flat.append(f"{out_types[o]} *{restrict}r{o} = ({out_types[o]} *)out[{o}].data;")
    lines.append(_indent(flat, 2))
    lines.append(_omp_pragma("n", 2))
    lines.append("        for (th_int e = 0; e < n; e++) {")
    args = [f"a{k}[e]" if k in full else f"i{k}" for k in range(n_in)] + [f"&r{o}[e]" for o in range(n_out)]
    lines.append(_indent([f"th_element({', '.join(args)});"], 3))
    lines.append("        }")
    lines.append("        return 0;")
    lines.append("    }")
    # -- the strided loop
    lines.append(_strided_loop(node, body, nd, in_types, out_types))
    lines.append("    return 0;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _omp_pragma(count: str, depth: int) -> str:
    from theano.configdefaults import config

    if not config.openmp:
        return ""
    return ("    " * depth + f"#pragma omp parallel for schedule(static) if ({count} >= ctx->omp_min_size) "
            "num_threads(ctx->n_threads)")


def _strided_loop(node, body: _Body, nd: int, in_types: list[str], out_types: list[str]) -> str:
    n_in, n_out = len(node.inputs), len(node.outputs)
    operands = [(f"in[{k}]", in_types[k], f"p{k}") for k in range(n_in)]
    operands += [(f"out[{o}]", out_types[o], f"q{o}") for o in range(n_out)]
    lines = ["    {"]
    # per operand and dimension: the stride in bytes, 0 where the operand is broadcast
    for array, _, pointer in operands:
        for d in range(nd):
            lines.append(f"        const th_int {pointer}s{d} = {array}.dims[{d}] == 1 ? 0 : {array}.strides[{d}];")
    if nd == 0:
        args = [f"*(const {t} *){a}.data" for a, t, _ in operands[:n_in]]
        args += [f"({t} *){a}.data" for a, t, _ in operands[n_in:]]
        lines.append(_indent([f"th_element({', '.join(args)});"], 2))
        lines.append("    }")
        return "\n".join(lines)
    depth = 2
    for array, _, pointer in operands:
        lines.append(f"{'    ' * depth}char *{pointer}_0 = {array}.data;")
    outer = nd - 1
    if outer >= 1:
        omp = _omp_pragma("n", depth)
        if omp:
            lines.append(omp)
    for d in range(outer):
        lines.append(f"{'    ' * depth}for (th_int j{d} = 0; j{d} < dims[{d}]; j{d}++) {{")
        depth += 1
        for _, _, pointer in operands:
            lines.append(f"{'    ' * depth}char *{pointer}_{d + 1} = {pointer}_{d} + j{d} * {pointer}s{d};")
    last = nd - 1
    # inputs broadcastable along the last dimension hold one value per row: read it once
    hoisted = [k for k in range(n_in) if node.inputs[k].type.broadcastable[last]]
    unit = " && ".join(f"{p}s{last} == sizeof({t})" for k, (_, t, p) in enumerate(operands)
                       if k not in hoisted) or "1"
    # inner loop, contiguous along the last dimension: typed indexing, which gcc vectorizes
    lines.append(f"{'    ' * depth}if ({unit}) {{")
    inner = []
    for k, (_, t, p) in enumerate(operands[:n_in]):
        if k in hoisted:
            inner.append(f"const {t} i{k} = *(const {t} *){p}_{last};")
        else:
            inner.append(f"const {t} *a{k} = (const {t} *){p}_{last};")
    for o, (_, t, p) in enumerate(operands[n_in:]):
        inner.append(f"{t} *r{o} = ({t} *){p}_{last};")
    lines.append(_indent(inner, depth + 1))
    lines.append(f"{'    ' * (depth + 1)}for (th_int e = 0; e < dims[{last}]; e++) {{")
    args = [f"i{k}" if k in hoisted else f"a{k}[e]" for k in range(n_in)] + [f"&r{o}[e]" for o in range(n_out)]
    lines.append(_indent([f"th_element({', '.join(args)});"], depth + 2))
    lines.append(f"{'    ' * (depth + 1)}}}")
    lines.append(f"{'    ' * depth}}} else {{")
    lines.append(f"{'    ' * (depth + 1)}for (th_int e = 0; e < dims[{last}]; e++) {{")
    args = [f"*(const {t} *)({p}_{last} + e * {p}s{last})" for _, t, p in operands[:n_in]]
    args += [f"({t} *)({p}_{last} + e * {p}s{last})" for _, t, p in operands[n_in:]]
    lines.append(_indent([f"th_element({', '.join(args)});"], depth + 2))
    lines.append(f"{'    ' * (depth + 1)}}}")
    lines.append(f"{'    ' * depth}}}")
    for _ in range(outer):
        depth -= 1
        lines.append(f"{'    ' * depth}}}")
    lines.append("    }")
    return "\n".join(lines)
