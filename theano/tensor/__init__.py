"""Symbolic tensors with NumPy's API (Theano 1.0's ``theano.tensor``, imported as ``T``)."""

from theano.tensor import sharedvar  # noqa: F401  (registers shared tensor constructors)
from theano.tensor.basic import (  # noqa: F401
    Alloc,
    NotScalarConstantError,
    Rebroadcast,
    ScalarFromTensor,
    TensorFromScalar,
    addbroadcast,
    alloc,
    as_tensor,
    as_tensor_variable,
    autocast_dtype,
    cast,
    constant,
    fill,
    get_scalar_constant_value,
    get_vector_length,
    identity,
    ones,
    ones_like,
    patternbroadcast,
    scalar_from_tensor,
    second,
    shape_padaxis,
    shape_padleft,
    shape_padright,
    tensor_copy,
    tensor_from_scalar,
    unbroadcast,
    zeros,
    zeros_like,
)
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise  # noqa: F401
from theano.tensor.join import *  # noqa: F401,F403
from theano.tensor.math import *  # noqa: F401,F403
from theano.tensor.math import abs_, max, min, sum, all, any, round, pow, divmod, complex  # noqa: F401
from theano.tensor.shape import (  # noqa: F401
    Reshape,
    Shape,
    Shape_i,
    SpecifyShape,
    flatten,
    reshape,
    shape,
    shape_i,
    specify_shape,
    swapaxes,
    transpose,
)
from theano.tensor.subtensor import Subtensor  # noqa: F401
from theano.tensor.type import *  # noqa: F401,F403
from theano.tensor.type import TensorType, tensor  # noqa: F401
from theano.tensor.var import TensorConstant, TensorVariable, _tensor_py_operators  # noqa: F401
from theano.tensor.advanced_indexing import *  # noqa: F401,F403,E402
from theano.tensor.creation import *  # noqa: F401,F403,E402
from theano.tensor.extra_ops import *  # noqa: F401,F403,E402
from theano.tensor.nlinalg import *  # noqa: F401,F403,E402
from theano.tensor.products import *  # noqa: F401,F403,E402
from theano.tensor.slinalg import *  # noqa: F401,F403,E402
from theano.tensor.sort import *  # noqa: F401,F403,E402
from theano.tensor import nlinalg, slinalg  # noqa: F401,E402
from theano.gradient import Lop, Rop, consider_constant, grad, hessian, jacobian, verify_grad  # noqa: E402
from theano.tensor.xlogx import xlogx, xlogy0  # noqa: F401,E402
from theano.tensor import nnet  # noqa: E402
from theano.tensor import raw_random, shared_randomstreams  # noqa: F401,E402  (registers theano.shared for generators)
