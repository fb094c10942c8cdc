"""The dtypes the C backend handles, with their C type and NumPy type number."""

from __future__ import annotations

import numpy as np

# dtype -> the C type of one element (booleans are bytes holding 0 or 1, like npy_bool)
C_TYPES = {
    "bool": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "float32": "float",
    "float64": "double",
}

# NumPy's type number of each dtype (what th_array.typenum holds)
TYPENUMS = {dtype: np.dtype(dtype).num for dtype in C_TYPES}


def c_type(dtype: str) -> str:
    """The C type of one element of ``dtype`` (KeyError for dtypes without C support)."""
    return C_TYPES[dtype]


def supported(dtype: str) -> bool:
    """Whether the C backend computes on ``dtype`` (not float16 or complex: those stay in Python)."""
    return dtype in C_TYPES
