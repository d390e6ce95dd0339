"""Asking the processor to fetch a record before the kernel reads it.

The day's entries run in time order, which is a random order of customers: each event reads
its customer's record (a few cache lines of ``F``, ``I`` and the policies' columns) from main
memory, about 100 ns a line once the customers outgrow the caches. The day's sorted list says
which customers come next, so :mod:`.loop` asks for their lines a few events ahead and the
waits overlap. A prefetch never faults and changes no value: only when a line arrives.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)


@intrinsic
def prefetch(typingctx, arr, col, nbytes):
    """Fetch the cache lines (64 B) of ``nbytes`` bytes from ``arr[0, col]`` on (a record of a
    Fortran-order 2-D array, or element ``col`` of a 1-D array) into the caches, for writing."""
    if not isinstance(arr, types.Array) or not isinstance(col, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(arr)(context, builder, args[0])
        strides = cgutils.unpack_tuple(builder, ary.strides, arr.ndim)
        intp = strides[-1].type
        start = builder.add(builder.ptrtoint(ary.data, intp), builder.mul(args[1], strides[-1]))
        first = builder.and_(start, intp(-64))
        lines = builder.add(builder.lshr(builder.sub(builder.add(start, args[2]), intp(1)), intp(6)),
                            builder.sub(intp(1), builder.lshr(first, intp(6))))
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [_I8P, _I32, _I32, _I32]),
            "llvm.prefetch.p0")
        with cgutils.for_range(builder, lines) as loop:
            addr = builder.add(first, builder.shl(loop.index, intp(6)))
            builder.call(fn, [builder.inttoptr(addr, _I8P), _I32(1), _I32(3), _I32(1)])
        return context.get_dummy_value()

    return types.void(arr, col, nbytes), codegen
