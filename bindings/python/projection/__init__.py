"""projection: gradient-projection arithmetic for "alphaless" noise-layer training.

ctypes bindings to the native ``libprojection`` C library (no compiled extension).
The functions mirror the original PyTorch module:

    vector_projection(a, b, out=None)
    order_tensors_by_norm(a, b, ord=2)            -> (smaller, larger), the original objects
    project_out_smaller_tensor(a, b, out=None)
    calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad) -> (alpha, scale)
    alphaless_gradient(noise_grad, model_grad, out=None)

Arguments are NumPy arrays, PyTorch CPU tensors or any buffer-protocol object
(array.array, memoryview, ...) holding float32 or float64, of any shape (used flat, in
C order), C-contiguous, with the same element type and element count. Contiguous inputs
are never copied. A vector result has the kind, element type and shape of the first
argument (a tensor for a tensor, a NumPy array for an array, an array.array for an
array.array, a memoryview otherwise), or is written into ``out`` (same rules; may be
exactly the first or second argument) and ``out`` is returned. Tensor results do not
track gradients.

Errors: TypeError for an unsupported kind or element type; ValueError for mismatched
sizes, non-contiguous, read-only ``out`` or non-CPU tensors; ProjectionError (a
ValueError) for a status from the library (NaN/Inf input, overlapping ``out``, NaN norm
order), with the library's own ``projection_status_string`` message.
"""

import ctypes

from ._buffers import Operand, check_pair, new_like
from ._lib import (ABI_MAJOR, ERR_ARGUMENT, ERR_NONFINITE, ERR_NULL, ERR_OVERLAP, OK,
                   LibraryNotFoundError, ProjectionError, check, library_path, load_library,
                   status_string)

__version__ = "1.0.0"

__all__ = [
    "vector_projection", "order_tensors_by_norm", "project_out_smaller_tensor",
    "calculate_equivalent_alpha_and_scaling_factor", "alphaless_gradient",
    "ProjectionError", "LibraryNotFoundError", "load_library", "library_path",
    "status_string", "version", "simd_arch", "set_num_threads", "get_num_threads",
    "OK", "ERR_NULL", "ERR_OVERLAP", "ERR_ARGUMENT", "ERR_NONFINITE", "ABI_MAJOR",
]


def _vector_op(cname, pyname, a, b, out, roles):
    lib = load_library()
    with Operand(a, roles[0]) as A, Operand(b, roles[1]) as B:
        check_pair(A, B)
        result = new_like(A) if out is None else out
        with Operand(result, "out", writable=True) as O:
            if out is not None:
                check_pair(A, O)
            fn = getattr(lib, "projection_%s_%s" % (cname, A.suffix))
            check(fn(A.ptr, B.ptr, A.n, O.ptr), pyname)
    return result


def vector_projection(a, b, out=None):
    """The projection of ``a`` onto ``b``: ``(a·b / b·b) b``; the zero vector when ``b`` is 0."""
    return _vector_op("vector_projection", "vector_projection", a, b, out, ("a", "b"))


def order_tensors_by_norm(a, b, ord=2):
    """``(a, b)`` if ``|a|_ord <= |b|_ord`` else ``(b, a)`` — the objects themselves.

    ``ord`` as in ``torch.linalg.vector_norm``: 2, 1, ``inf``, ``-inf``, 0, any finite p.
    Stable: equal norms keep ``(a, b)``.
    """
    try:
        p = float(ord)
    except (TypeError, ValueError):
        raise TypeError("ord must be a real number (2, 1, inf, -inf, 0, ...), got %r"
                        % (ord,)) from None
    lib = load_library()
    swapped = ctypes.c_int(-1)
    with Operand(a, "a") as A, Operand(b, "b") as B:
        check_pair(A, B)
        fn = getattr(lib, "projection_order_by_norm_" + A.suffix)
        check(fn(A.ptr, B.ptr, A.n, p, ctypes.byref(swapped), None, None),
              "order_tensors_by_norm")
    return (b, a) if swapped.value else (a, b)


def project_out_smaller_tensor(a, b, out=None):
    """The larger (2-norm) of ``a`` and ``b`` with its component along the smaller removed."""
    return _vector_op("project_out_smaller", "project_out_smaller_tensor", a, b, out,
                      ("a", "b"))


def alphaless_gradient(noise_grad, model_grad, out=None):
    """``L + (1 - k) S`` with ``(S, L)`` the 2-norm order of the gradients, ``k = L·S / S·S``."""
    return _vector_op("alphaless_gradient", "alphaless_gradient", noise_grad, model_grad, out,
                      ("noise_grad", "model_grad"))


def calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad):
    """``(alpha, scale)`` as Python floats, with
    ``alphaless_gradient == scale * (alpha * noise_grad + (1 - alpha) * model_grad)``.
    ``alpha`` is ``±inf`` when ``scale == 0``."""
    lib = load_library()
    alpha, scale = ctypes.c_double(), ctypes.c_double()
    with Operand(noise_grad, "noise_grad") as A, Operand(model_grad, "model_grad") as B:
        check_pair(A, B)
        fn = getattr(lib, "projection_equivalent_alpha_" + A.suffix)
        check(fn(A.ptr, B.ptr, A.n, ctypes.byref(alpha), ctypes.byref(scale)),
              "calculate_equivalent_alpha_and_scaling_factor")
    return alpha.value, scale.value


def version():
    """``projection_version_string()`` of the loaded library."""
    return load_library().projection_version_string().decode()


def simd_arch():
    """The kernels' instruction set in use: ``sse2``, ``fma3+avx2`` or ``avx512bw``."""
    return load_library().projection_simd_arch().decode()


def set_num_threads(n):
    """Threads for large inputs; ``n <= 0`` restores the OpenMP default."""
    load_library().projection_set_num_threads(int(n))


def get_num_threads():
    return load_library().projection_get_num_threads()
