"""projection: gradient-projection arithmetic for "alphaless" noise-layer training.

ctypes bindings to the native ``libprojection`` C library (no compiled extension; a
``pip install`` bundles the library inside the package). The functions mirror the
original PyTorch module:

    vector_projection(a, b, out=None, each=False)
    order_tensors_by_norm(a, b, ord=2, each=False)   -> (smaller, larger), the original objects
    project_out_smaller_tensor(a, b, out=None, each=False)
    calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad, each=False)
                                                      -> (alpha, scale) as floats
    alphaless_gradient(noise_grad, model_grad, out=None, each=False)

Arguments are NumPy arrays, PyTorch CPU tensors or any buffer-protocol object
(array.array, memoryview, ...) holding float32, float64 or float16 (tensors also
bfloat16), of any shape (used flat, in C order), C-contiguous, with the same element type
and element count. Contiguous inputs are never copied. A vector result has the kind,
element type and shape of the first argument (a tensor for a tensor, a NumPy array for an
array, an array.array for an array.array, a memoryview otherwise), or is written into
``out`` (same rules; may be exactly the first or second argument) and ``out`` is
returned. Tensor results do not track gradients. For tensors in and tensors out with the
original module's return types, use ``projection.torch``; for a gradient sharded over
processes (torch.distributed, mpi4py), ``projection.distributed``.

Lists: ``a`` and ``b`` may be lists (or tuples) of such arrays, one per parameter tensor
of a model. Without ``each`` the list is one vector, the concatenation of its arrays
(never copied); with ``each=True`` every pair is an operation of its own. Vector results
are then lists, ``order_tensors_by_norm`` returns ``(a, b)`` or ``(b, a)`` (the list
objects) or, with ``each``, a list of pairs; ``calculate_equivalent_alpha_and_scaling_factor``
with ``each`` returns two lists of floats.

Errors: TypeError for an unsupported kind or element type (also: mixed element types
within a list, an element type the loaded library lacks); ValueError for mismatched sizes
or list lengths, non-contiguous, read-only ``out`` or non-CPU tensors; ProjectionError (a
ValueError) for a status from the library (NaN/Inf input, overlapping ``out``, NaN norm
order), with the library's own ``projection_status_string`` message.
"""

import contextlib

from . import _buffers, _core
from ._buffers import Operand, check_list_pairs, check_pair, new_like, operand_list
from ._buffers import is_list as _is_list
from ._lib import (ABI_MAJOR, BLOCK, ERR_ARGUMENT, ERR_NONFINITE, ERR_NULL, ERR_OVERLAP,
                   ERR_PARTIALS, OK, PARTIALS_SIZE, LibraryNotFoundError, ProjectionError,
                   check, has, library_path, load_library, status_string)

__version__ = "1.1.0"

__all__ = [
    "vector_projection", "order_tensors_by_norm", "project_out_smaller_tensor",
    "calculate_equivalent_alpha_and_scaling_factor", "alphaless_gradient",
    "ProjectionError", "LibraryNotFoundError", "load_library", "library_path",
    "status_string", "version", "simd_arch", "set_num_threads", "get_num_threads", "has",
    "OK", "ERR_NULL", "ERR_OVERLAP", "ERR_ARGUMENT", "ERR_NONFINITE", "ERR_PARTIALS",
    "ABI_MAJOR", "BLOCK", "PARTIALS_SIZE",
]


def _form(each):
    return "each" if each else "list"


def _list_operands(stack, xs, role, writable=False):
    if not _is_list(xs):
        raise TypeError("%s: expected a list or tuple of arrays (the other argument is one), "
                        "got %s" % (role, type(xs).__name__))
    return operand_list(stack, xs, role, writable)


def _check_lists(A, B, roles):
    check_list_pairs(A, B, roles)
    for x in A[1:]:
        if x.suffix != A[0].suffix:
            raise TypeError("%s is %s but %s is %s; a list must have one element type"
                            % (A[0].role, A[0].dtype_name, x.role, x.dtype_name))


def _fast_lists(a, b, out=None):
    """``(kind, suffix, n, addresses of a, addresses of b)`` when two lists (and ``out``, a
    list or None) pass every check of _list_operands and _check_lists as they are — NumPy
    arrays (or tensors, not both) of one element type, C-contiguous, pairwise of the same
    size, writable where written — else None: Operand then takes every element, with its
    checks and messages. Empty lists are left to that path."""
    if not (_is_list(a) and _is_list(b)):
        return None
    count = len(a)
    if not count or len(b) != count:
        return None
    if out is None:
        xs = [*a, *b]
    elif _is_list(out) and len(out) == count:
        xs = [*a, *b, *out]
    else:
        return None
    plain = _buffers.plain_list(xs, () if out is None else out)
    if plain is None:
        return None
    kind, t = plain
    n = _buffers.sizes(kind, a)
    if n != _buffers.sizes(kind, b) or (out is not None and n != _buffers.sizes(kind, out)):
        return None
    pa, pb = _buffers.addresses(kind, a), _buffers.addresses(kind, b)
    if pa is None or pb is None:
        return None
    return kind, t, n, pa, pb


def _vector_op(op, pyname, a, b, out, roles, each):
    if _is_list(a) or _is_list(b):
        return _vector_list_op(op, pyname, a, b, out, roles, each)
    with Operand(a, roles[0]) as A, Operand(b, roles[1]) as B:
        check_pair(A, B)
        result = new_like(A) if out is None else out
        with Operand(result, "out", writable=True) as O:
            if out is not None:
                check_pair(A, O)
            _core.vector(op, A.suffix, A.ptr, B.ptr, A.n, O.ptr, pyname)
    return result


def _vector_list_op(op, pyname, a, b, out, roles, each):
    fast = _fast_lists(a, b, out)
    if fast is not None:
        kind, t, n, pa, pb = fast
        result = _buffers.new_list(kind, a) if out is None else out
        po = _buffers.addresses(kind, result)
        if po is not None:  # a read-only out=: Operand says so
            _core.vector_many(op, _form(each), t, pa, pb, n, po, pyname)
            return result
    with contextlib.ExitStack() as stack:
        A = _list_operands(stack, a, roles[0])
        B = _list_operands(stack, b, roles[1])
        _check_lists(A, B, roles)
        result = [new_like(x) for x in A] if out is None else out
        O = _list_operands(stack, result, "out", writable=True)
        if out is not None:
            _check_lists(A, O, (roles[0], "out"))
        if A:
            _core.vector_many(op, _form(each), A[0].suffix, [x.ptr for x in A],
                              [x.ptr for x in B], [x.n for x in A], [x.ptr for x in O], pyname)
    return result


def vector_projection(a, b, out=None, each=False):
    """The projection of ``a`` onto ``b``: ``(a·b / b·b) b``; the zero vector when ``b`` is 0."""
    return _vector_op("vector_projection", "vector_projection", a, b, out, ("a", "b"), each)


def _ord(ord):
    try:
        return float(ord)
    except (TypeError, ValueError):
        raise TypeError("ord must be a real number (2, 1, inf, -inf, 0, ...), got %r"
                        % (ord,)) from None


def order_tensors_by_norm(a, b, ord=2, each=False):
    """``(a, b)`` if ``|a|_ord <= |b|_ord`` else ``(b, a)`` — the objects themselves.

    ``ord`` as in ``torch.linalg.vector_norm``: 2, 1, ``inf``, ``-inf``, 0, any finite p.
    Stable: equal norms keep ``(a, b)``. Lists: the norms of the whole lists (the list
    objects are returned), or with ``each=True`` a list of ``(smaller, larger)`` pairs.
    """
    p = _ord(ord)
    if _is_list(a) or _is_list(b):
        fast = _fast_lists(a, b)
        if fast is not None:
            _, t, n, pa, pb = fast
            sw = _core.order_many(_form(each), t, pa, pb, n, p, "order_tensors_by_norm")
            if each:
                return [(y, x) if s else (x, y) for s, x, y in zip(sw, a, b)]
            return (b, a) if sw else (a, b)
        with contextlib.ExitStack() as stack:
            A = _list_operands(stack, a, "a")
            B = _list_operands(stack, b, "b")
            _check_lists(A, B, ("a", "b"))
            if not A:
                return [] if each else (a, b)
            sw = _core.order_many(_form(each), A[0].suffix, [x.ptr for x in A],
                                  [x.ptr for x in B], [x.n for x in A], p,
                                  "order_tensors_by_norm")
        if each:
            return [(y, x) if s else (x, y) for s, x, y in zip(sw, a, b)]
        return (b, a) if sw else (a, b)
    with Operand(a, "a") as A, Operand(b, "b") as B:
        check_pair(A, B)
        sw = _core.order(A.suffix, A.ptr, B.ptr, A.n, p, "order_tensors_by_norm")
    return (b, a) if sw else (a, b)


def project_out_smaller_tensor(a, b, out=None, each=False):
    """The larger (2-norm) of ``a`` and ``b`` with its component along the smaller removed."""
    return _vector_op("project_out_smaller", "project_out_smaller_tensor", a, b, out,
                      ("a", "b"), each)


def alphaless_gradient(noise_grad, model_grad, out=None, each=False):
    """``L + (1 - k) S`` with ``(S, L)`` the 2-norm order of the gradients, ``k = L·S / S·S``."""
    return _vector_op("alphaless_gradient", "alphaless_gradient", noise_grad, model_grad, out,
                      ("noise_grad", "model_grad"), each)


def calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad, each=False):
    """``(alpha, scale)`` as Python floats, with
    ``alphaless_gradient == scale * (alpha * noise_grad + (1 - alpha) * model_grad)``.
    ``alpha`` is ``±inf`` when ``scale == 0``. Lists with ``each=True``: two lists."""
    name = "calculate_equivalent_alpha_and_scaling_factor"
    roles = ("noise_grad", "model_grad")
    if _is_list(noise_grad) or _is_list(model_grad):
        fast = _fast_lists(noise_grad, model_grad)
        if fast is not None:
            _, t, n, pa, pb = fast
            return _core.alpha_many(_form(each), t, pa, pb, n, name)
        with contextlib.ExitStack() as stack:
            A = _list_operands(stack, noise_grad, roles[0])
            B = _list_operands(stack, model_grad, roles[1])
            _check_lists(A, B, roles)
            if not A:
                return ([], []) if each else (0.5, 2.0)  # the empty vector: k = 0
            return _core.alpha_many(_form(each), A[0].suffix, [x.ptr for x in A],
                                    [x.ptr for x in B], [x.n for x in A], name)
    with Operand(noise_grad, roles[0]) as A, Operand(model_grad, roles[1]) as B:
        check_pair(A, B)
        return _core.alpha(A.suffix, A.ptr, B.ptr, A.n, name)


def version():
    """``projection_version_string()`` of the loaded library."""
    return load_library().projection_version_string().decode()


def simd_arch():
    """The kernels' instruction set in use: ``sse2``, ``fma3+avx2``, ``avx512bw``, ..."""
    return load_library().projection_simd_arch().decode()


def set_num_threads(n):
    """Threads for large inputs; ``n <= 0`` restores the OpenMP default."""
    load_library().projection_set_num_threads(int(n))


def get_num_threads():
    return load_library().projection_get_num_threads()
