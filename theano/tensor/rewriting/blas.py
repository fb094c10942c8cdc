"""Specialize rewrites that turn dot products and scaled sums into BLAS ops (Gemm, Gemv, Ger, Dot22)."""
