"""BLAS operations for the specialize stage: Dot22, Gemm, Gemv, Ger (filled in by the BLAS work)."""
