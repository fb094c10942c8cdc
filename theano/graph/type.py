"""The base class of types: what values a variable may hold."""

from __future__ import annotations

from typing import Any

from theano.graph.basic import Constant, Variable
from theano.graph.utils import MethodNotDefined


class Type:
    """A set of values a variable may take, and how to check and convert them.

    Subclasses define :meth:`filter`; equality and hashing should depend only on the
    parameters that define the set of values (dtype, broadcastable, ...).
    """

    Variable = Variable
    Constant = Constant

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """Return ``data`` as a value of this type, or raise TypeError/ValueError."""
        raise MethodNotDefined("filter", type(self), self.__class__.__name__)

    def filter_inplace(self, value, storage, strict=False, allow_downcast=None):
        raise MethodNotDefined("filter_inplace", type(self), self.__class__.__name__)

    def filter_variable(self, other: Any, allow_convert: bool = True) -> Variable:
        """Return ``other`` as a variable of this type, converting it if that is safe."""
        if not isinstance(other, Variable):
            other = self.Constant(type=self, data=other)
        if other.type != self and allow_convert:
            converted = self.convert_variable(other)
            if converted is not None:
                return converted
        if other.type != self:
            raise TypeError(
                f"Cannot convert Type {other.type} (of Variable {other}) into Type {self}. "
                "You can try to manually convert it with a cast."
            )
        return other

    def convert_variable(self, var: Variable) -> Variable | None:
        """Return ``var`` converted to this type, or None if there is no safe conversion."""
        return None

    def is_valid_value(self, data: Any) -> bool:
        try:
            self.filter(data, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def value_validity_msg(self, data: Any) -> str:
        return "none"

    def make_variable(self, name: str | None = None) -> Variable:
        return self.Variable(self, None, name=name)

    def make_constant(self, value: Any, name: str | None = None) -> Constant:
        return self.Constant(type=self, data=value, name=name)

    def __call__(self, name: str | None = None) -> Variable:
        """A new variable of this type (``T.TensorType('float64', (False,))('x')``)."""
        return self.make_variable(name)

    @staticmethod
    def values_eq(a: Any, b: Any) -> bool:
        return a == b

    @classmethod
    def values_eq_approx(cls, a: Any, b: Any) -> bool:
        return cls.values_eq(a, b)

    def get_shape_info(self, obj):
        return obj

    def get_size(self, shape_info):
        raise MethodNotDefined("get_size")

    def may_share_memory(self, a: Any, b: Any) -> bool:
        return a is b


class Generic(Type):
    """Any Python object."""

    def filter(self, data, strict=False, allow_downcast=None):
        return data

    def is_valid_value(self, data):
        return True

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "generic"

    __repr__ = __str__


generic = Generic()


class NullType(Type):
    """The type of a gradient that is undefined; using it in a computation is an error."""

    def __init__(self, why_null: str = "(no explanation given)"):
        self.why_null = why_null

    def filter(self, data, strict=False, allow_downcast=None):
        raise ValueError("No values may be assigned to a NullType")

    def filter_variable(self, other, allow_convert=True):
        raise ValueError("No values may be assigned to a NullType")

    def may_share_memory(self, a, b):
        return False

    def values_eq(self, a, b, force_same_dtype=True):
        raise ValueError("NullType has no values to compare")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "NullType"
