"""Printing graphs (being written)."""


def op_as_string(inputs, node) -> str:
    return f"{node.op}({', '.join(str(i) for i in inputs)})"
