"""Kernels for Elemwise nodes: a scalar op (or a fused Composite) applied in a C loop.

Each kernel checks that the inputs' shapes agree (only dimensions whose type is broadcastable may
differ, as in :func:`theano.tensor.elemwise._broadcast_check`), asks the runtime for its outputs
(the overwritten input, for inplace nodes), and runs one of two loops:

* the flat loop, when every operand is C-contiguous with the output's shape (operands whose type
  is broadcastable in every dimension are single values read once): one ``for`` over the
  elements, which gcc vectorizes (with libmvec for math functions);
* the row loop: one row of the last dimension at a time, any number of dimensions and any
  strides (0 for broadcast dimensions, negative ones too), with a vectorizable inner loop when
  every operand is contiguous along the last dimension.

OpenMP splits either loop across threads above ``config.openmp_elemwise_minsize`` elements. The
kernel's source depends on the op, the dtypes and which inputs are single values or one value
per row, not on the number of dimensions, the rest of the broadcast pattern or a Composite's
constants: those arrive as the kernel's parameters (``ctx->params``).

The scalar computation is the op's C expression (:mod:`theano.link.c.scalar_c`), one typed
temporary per intermediate of a Composite, so each intermediate has the dtype the Python
implementation gives it. It is written once, as the static function ``th_element`` that every
loop calls: gcc inlines it where it is small, and a Composite of a thousand ops is compiled
once rather than once per loop.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant
from theano.link.c import scalar_c
from theano.link.c.kernels import Kernel, register_kernel, symbol_name
from theano.link.c.types import c_type, supported
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise
from theano.tensor.type import TensorType


class _Body:
    """The scalar computation of one element, as C statements over named inputs.

    Constants of a Composite are not written into the code: they are fields of a struct
    (``th_constants``) filled from the kernel's parameters, so Composites that differ only in
    their constants share one compiled kernel. ``constants`` lists (field, dtype, value).
    """

    def __init__(self, node):
        scalar_op = node.op.scalar_op
        in_dtypes = tuple(x.type.dtype for x in node.inputs)
        out_dtypes = [o.type.dtype for o in node.outputs]
        self.lines: list[str] = []
        self.constants: list[tuple[str, str, object]] = []
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
            if any(r is None for r in results):
                self.ok = False
                return
            result_dtypes = [out.type.dtype for out in outputs]
        else:
            inner_in = [f"i{k}" for k in range(len(in_dtypes))]
            expression = scalar_c.c_expression(scalar_op, inner_in, list(in_dtypes), out_dtypes[0])
            if expression is None or len(out_dtypes) != 1:
                self.ok = False
                return
            self.lines.append(f"const {c_type(out_dtypes[0])} t0 = {expression};  /* {scalar_op} */")
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
            name = f"c{len(self.constants)}"
            self.constants.append((name, var.type.dtype, np.asarray(var.data).item()))
            self.lines.append(f"const {c_type(var.type.dtype)} {name} = k->{name};")
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

    def constants_layout(self) -> tuple[list[tuple[str, str, int]], int]:
        """Each constant's (field, dtype, byte offset) in ``th_constants`` (natural alignment, as
        gcc lays the struct out) and the struct's size."""
        layout = []
        offset = 0
        for name, dtype, _ in self.constants:
            size = np.dtype(dtype).itemsize
            offset = (offset + size - 1) // size * size
            layout.append((name, dtype, offset))
            offset += size
        return layout, max(8, (offset + 7) // 8 * 8)


def _indent(lines: list[str], depth: int) -> str:
    pad = "    " * depth
    return "\n".join(pad + line for line in lines)


def _params(node, body: _Body) -> bytes:
    """The kernel's parameters: each input's broadcastable dimensions as bits (int64), then the
    constants in the layout of ``th_constants``."""
    masks = [sum(1 << d for d, b in enumerate(x.type.broadcastable) if b) for x in node.inputs]
    data = bytearray(np.asarray(masks, dtype=np.int64).tobytes())
    layout, size = body.constants_layout()
    block = bytearray(size)
    for (_, dtype, offset), (_, _, value) in zip(layout, body.constants):
        raw = np.asarray(value).astype(dtype).tobytes()
        block[offset:offset + len(raw)] = raw
    return bytes(data + block)


@register_kernel(Elemwise)
def elemwise_kernel(node) -> Kernel | None:
    """The C loop of an Elemwise node, or None when a dtype or scalar op has no C rendering."""
    variables = list(node.inputs) + list(node.outputs)
    if not node.inputs or not all(isinstance(v.type, TensorType) and supported(v.type.dtype) for v in variables):
        return None
    nd = node.outputs[0].type.ndim
    if nd > 32 or any(v.type.ndim != nd for v in variables):
        return None
    body = _Body(node)
    if not body.ok:
        return None
    source = _kernel_source(node, body)
    name = symbol_name("elemwise", source)
    return Kernel(name, source.replace("KERNEL_NAME", name), params=_params(node, body))


def _op_comment(op) -> str:
    """The op's name for the kernel's comment, without a Composite's constants (``k``): they are
    parameters, and the comment must not make kernels differing only in them two sources."""
    if not isinstance(op.scalar_op, Composite):
        return str(op)
    text = f"Elemwise{{Composite{{{op.scalar_op.expression_template()}}}}}"
    if op.inplace_pattern:
        text += "[" + ", ".join(f"({o}, {i})" for o, i in op.inplace_pattern) + "]"
    return text


def _kernel_source(node, body: _Body) -> str:
    """The kernel's C: the same for every number of dimensions and broadcast pattern, except
    which inputs are single values (read once) and which hold one value per row."""
    from theano.configdefaults import config

    n_in, n_out = len(node.inputs), len(node.outputs)
    n_ops = n_in + n_out
    in_types = [c_type(x.type.dtype) for x in node.inputs]
    out_types = [c_type(o.type.dtype) for o in node.outputs]
    restrict = "" if node.op.inplace_pattern else "restrict "
    nd = node.outputs[0].type.ndim
    # statically known from the types: inputs that are one value, and one value per row
    single = [k for k, x in enumerate(node.inputs) if all(x.type.broadcastable)]
    per_row = [k for k, x in enumerate(node.inputs) if nd and x.type.broadcastable[-1] and k not in single]
    openmp = bool(config.openmp)
    layout, _ = body.constants_layout()

    lines = [scalar_c.support_code()]
    if openmp:
        lines.append("#include <omp.h>")
    lines.append(f"/* {_op_comment(node.op)} : ({', '.join(x.type.dtype for x in node.inputs)}) -> "
                 f"({', '.join(o.type.dtype for o in node.outputs)}); any number of dimensions */")
    lines.append("typedef struct {")
    lines += [f"    {c_type(dtype)} {name};" for name, dtype, _ in layout] or ["    char unused;"]
    lines.append("} th_constants;")
    lines.append("")
    params = ["const th_constants *k"] + [f"const {in_types[j]} i{j}" for j in range(n_in)]
    params += [f"{out_types[o]} *o{o}" for o in range(n_out)]
    lines.append(f"static inline void th_element({', '.join(params)}) {{")
    lines.append(_indent(body.lines + [f"*o{o} = {body.results[o]};" for o in range(n_out)], 1))
    lines.append("}")
    lines.append("")
    # -- the plan shared by the loops
    lines.append("typedef struct {")
    lines.append(f"    char *data[{n_ops}];")
    lines.append(f"    th_int strides[{n_ops}][TH_MAX_DIMS];  /* 0 along broadcast dimensions */")
    lines.append("    th_int dims[TH_MAX_DIMS];")
    lines.append("    int nd;")
    lines.append("    th_constants k;")
    lines.append("} th_plan;")
    lines.append("")
    # -- the flat loop: every operand contiguous with the output's shape, or a single value
    lines.append("/* Elements [first, last) when every operand is contiguous (or a single value). */")
    lines.append("static void th_flat(const th_plan *plan, th_int first, th_int last) {")
    flat = []
    for j in range(n_in):
        if j in single:
            flat.append(f"const {in_types[j]} i{j} = *(const {in_types[j]} *)plan->data[{j}];")
        else:
            flat.append(f"const {in_types[j]} *{restrict}a{j} = (const {in_types[j]} *)plan->data[{j}];")
    for o in range(n_out):
        flat.append(f"{out_types[o]} *{restrict}r{o} = ({out_types[o]} *)plan->data[{n_in + o}];")
    flat.append("for (th_int e = first; e < last; e++) {")
    args = ["&plan->k"] + [f"i{j}" if j in single else f"a{j}[e]" for j in range(n_in)] + [
        f"&r{o}[e]" for o in range(n_out)]
    flat.append(f"    th_element({', '.join(args)});")
    flat.append("}")
    lines.append(_indent(flat, 1))
    lines.append("}")
    lines.append("")
    # -- the strided loop: rows along the last dimension
    lines.append("/* Rows [first, last) of the last dimension, any strides. */")
    lines.append("static void th_rows(const th_plan *plan, th_int first, th_int last) {")
    rows = ["const int nd = plan->nd;",
            "const th_int length = nd ? plan->dims[nd - 1] : 1;"]
    for op in range(n_ops):
        rows.append(f"const th_int step{op} = nd ? plan->strides[{op}][nd - 1] : 0;")
    unit = [f"step{j} == sizeof({in_types[j]})" for j in range(n_in) if j not in single and j not in per_row]
    unit += [f"step{n_in + o} == sizeof({out_types[o]})" for o in range(n_out)]
    rows.append(f"const int unit = {' && '.join(unit) or '1'};")
    rows.append("for (th_int r = first; r < last; r++) {")
    inner = [f"char *p{op} = plan->data[{op}];" for op in range(n_ops)]
    inner.append("th_int rest = r;")
    inner.append("for (int d = nd - 2; d >= 0; d--) {")
    inner.append("    const th_int i = rest % plan->dims[d];")
    inner.append("    rest /= plan->dims[d];")
    inner += [f"    p{op} += i * plan->strides[{op}][d];" for op in range(n_ops)]
    inner.append("}")
    inner.append("if (unit) {")
    typed = []
    for j in range(n_in):
        if j in single or j in per_row:
            typed.append(f"const {in_types[j]} i{j} = *(const {in_types[j]} *)p{j};")
        else:
            typed.append(f"const {in_types[j]} *a{j} = (const {in_types[j]} *)p{j};")
    typed += [f"{out_types[o]} *r{o} = ({out_types[o]} *)p{n_in + o};" for o in range(n_out)]
    typed.append("for (th_int e = 0; e < length; e++) {")
    args = ["&plan->k"] + [f"i{j}" if (j in single or j in per_row) else f"a{j}[e]" for j in range(n_in)] + [
        f"&r{o}[e]" for o in range(n_out)]
    typed.append(f"    th_element({', '.join(args)});")
    typed.append("}")
    inner += ["    " + line for line in typed]
    inner.append("} else {")
    inner.append("    for (th_int e = 0; e < length; e++) {")
    args = ["&plan->k"] + [f"*(const {in_types[j]} *)(p{j} + e * step{j})" for j in range(n_in)] + [
        f"({out_types[o]} *)(p{n_in + o} + e * step{n_in + o})" for o in range(n_out)]
    inner.append(f"        th_element({', '.join(args)});")
    inner.append("    }")
    inner.append("}")
    rows += ["    " + line for line in inner]
    rows.append("}")
    lines.append(_indent(rows, 1))
    lines.append("}")
    lines.append("")
    # -- the entry point
    lines.append("TH_EXPORT int KERNEL_NAME(th_ctx *ctx) {")
    entry = ["th_array *in = ctx->inputs, *out = ctx->outputs;",
             "const th_int *bcast = (const th_int *)ctx->params;  /* per input: its broadcastable dims */",
             "th_plan plan;",
             f"memcpy(&plan.k, ctx->params + {n_in} * sizeof(th_int), sizeof plan.k);",
             "const int nd = in[0].nd;",
             f"if (th_elemwise_shape(ctx, {n_in}, bcast, plan.dims)) return -1;",
             "plan.nd = nd;"]
    entry += [f"if (ctx->alloc_output(ctx, {o}, nd, plan.dims)) return -1;" for o in range(n_out)]
    entry += ["th_int n = 1;",
              "for (int d = 0; d < nd; d++) n *= plan.dims[d];",
              "if (n == 0) return 0;"]
    operands = [f"in[{j}]" for j in range(n_in)] + [f"out[{o}]" for o in range(n_out)]
    entry += [f"plan.data[{op}] = {array}.data;" for op, array in enumerate(operands)]
    entry.append("for (int d = 0; d < nd; d++) {")
    entry += [f"    plan.strides[{op}][d] = {array}.dims[d] == 1 ? 0 : {array}.strides[d];"
              for op, array in enumerate(operands)]
    entry.append("}")
    checks = [f"th_c_contiguous(&in[{j}], sizeof({in_types[j]})) && th_same_dims(&in[{j}], plan.dims)"
              for j in range(n_in) if j not in single]
    checks += [f"th_c_contiguous(&out[{o}], sizeof({out_types[o]}))" for o in range(n_out)]
    entry.append(f"const int flat = {' && '.join(checks) or '1'};")
    entry.append("const th_int count = flat ? n : n / (nd ? plan.dims[nd - 1] : 1);")
    if openmp:
        entry += ["if (ctx->n_threads > 1 && n >= ctx->omp_min_size) {",
                  "    #pragma omp parallel num_threads(ctx->n_threads)",
                  "    {",
                  "        const th_int threads = omp_get_num_threads(), t = omp_get_thread_num();",
                  "        const th_int first = count * t / threads, last = count * (t + 1) / threads;",
                  "        if (flat) th_flat(&plan, first, last); else th_rows(&plan, first, last);",
                  "    }",
                  "    return 0;",
                  "}"]
    entry.append("if (flat) th_flat(&plan, 0, count); else th_rows(&plan, 0, count);")
    entry.append("return 0;")
    lines.append(_indent(entry, 1))
    lines.append("}")
    return "\n".join(lines) + "\n"
