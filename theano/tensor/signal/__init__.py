"""Signal processing on tensors (Theano 1.0's ``theano.tensor.signal``): :mod:`~theano.tensor.signal.pool`."""
