"""A reference to the kernel's state: one pointer instead of the state tuple's thirty arrays.

numba passes a tuple argument by value, every array as its seven to nine machine words, so each
call between kernel functions copied about 270 words (2 KB) onto the stack, several times per
event: that copying was most of the kernel's time. Each entry point (:mod:`.loop`) stores the
tuple once in its stack frame and passes :func:`ref` of it, a pointer; ``S.F`` on the reference
reads the field through the pointer, so the kernel's code reads the same with either. The
reference lives as long as the entry point's call, which outlasts every call it makes.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed, lower_getattr_generic
from numba.core.typing.templates import AttributeTemplate
from numba.extending import infer_getattr, intrinsic, models, register_model


class StateRef(types.Type):
    """The numba type of a pointer to a state tuple of type ``tup`` (a named tuple type)."""

    def __init__(self, tup: types.BaseNamedTuple):
        self.tup = tup
        self.dtype = tup          # PointerModel points at ``dtype``'s data representation
        super().__init__(name=f"StateRef({tup})")


register_model(StateRef)(models.PointerModel)


@infer_getattr
class _StateRefAttributes(AttributeTemplate):
    key = StateRef

    def generic_resolve(self, typ: StateRef, attr: str):
        fields = typ.tup.fields
        if attr in fields:
            return typ.tup.types[fields.index(attr)]
        return None


@lower_getattr_generic(StateRef)
def _field(context, builder, typ: StateRef, ptr, attr: str):
    i = typ.tup.fields.index(attr)
    fty = typ.tup.types[i]
    slot = cgutils.gep_inbounds(builder, ptr, 0, i)
    value = context.data_model_manager[fty].load_from_data_pointer(builder, slot)
    return impl_ret_borrowed(context, builder, fty, value)


@intrinsic
def ref(typingctx, state):
    """A :class:`StateRef` to ``state``, stored in the calling function's stack frame."""
    if not isinstance(state, types.BaseNamedTuple):
        return None

    def codegen(context, builder, sig, args):
        model = context.data_model_manager[state]
        slot = cgutils.alloca_once(builder, model.get_data_type())
        builder.store(model.as_data(builder, args[0]), slot)
        return slot

    return StateRef(state)(state), codegen
