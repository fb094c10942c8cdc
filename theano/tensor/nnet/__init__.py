"""Neural-network ops (Theano 1.0's ``theano.tensor.nnet``): sigmoid-shaped activations,
rectifiers, softmax and cross-entropy losses.

Submodules: :mod:`~theano.tensor.nnet.sigm` (sigmoid, softplus and their approximations),
:mod:`~theano.tensor.nnet.softmax_ops` (the softmax ops), :mod:`~theano.tensor.nnet.crossentropy`
(losses) and :mod:`~theano.tensor.nnet.nnet` (rectifiers, ``h_softmax``,
``confusion_matrix``, and Theano 1.0's re-exports of all of the above).
"""

from theano.tensor.nnet import crossentropy, nnet, sigm, softmax_ops  # noqa: F401
from theano.tensor.nnet.nnet import *  # noqa: F401,F403
from theano.tensor.nnet.nnet import __all__  # noqa: F401
from theano.tensor.nnet import abstract_conv, conv  # noqa: F401,E402
from theano.tensor.nnet.abstract_conv import conv2d, conv2d_transpose  # noqa: F401,E402
from theano.tensor.nnet import bn, neighbours  # noqa: F401,E402
from theano.tensor.nnet.bn import batch_normalization  # noqa: F401,E402
from theano.tensor.nnet.neighbours import Images2Neibs, images2neibs, neibs2images  # noqa: F401,E402
