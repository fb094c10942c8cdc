"""Inplace rewrites: ops that overwrite dead intermediates, validated by the destroy handler."""
