"""projection.torch — a drop-in for the original PyTorch module, on the native library.

    import projection.torch as P        # instead of the original module

    P.vector_projection(a, b)                                   -> tensor like a
    P.order_tensors_by_norm(a, b, **kwargs)                     -> (smaller, larger), a and b themselves
    P.project_out_smaller_tensor(a, b)                          -> tensor like a
    P.calculate_equivalent_alpha_and_scaling_factor(g_noise, g_model) -> (alpha, scale), 0-d tensors
    P.alphaless_gradient(g_noise, g_model)                      -> tensor like g_noise (not in the original)
    P.alphaless_backward(noise_loss, model_loss, params)        -> (alpha, scale); sets every p.grad

The four original functions keep their names, signatures and return types: tensors of
any shape in, tensors of the same shape and dtype out (on the inputs' device, not tracking
gradients unless the inputs do); ``order_tensors_by_norm`` returns the argument objects,
its ``**kwargs`` are those of ``torch.linalg.vector_norm``; ``alpha`` and ``scale`` are 0-d
tensors of the inputs' dtype. Beyond the original signatures:

* ``out=`` (vector functions): write the result into an existing tensor of the same
  shape, dtype and device (it may be exactly ``a`` or ``b``) instead of a new one. A new
  output of n elements costs page faults that can exceed the arithmetic at large n.
* Lists: ``a`` and ``b`` may be lists or tuples of tensors (a model's parameters or
  gradients), pairwise of the same shape, all of one dtype and device. Without ``each``
  the list is ONE vector, the concatenation of its tensors (never copied): vector results
  are lists, ``order_tensors_by_norm`` returns ``(a, b)`` or ``(b, a)`` (the list objects),
  alpha and scale are 0-d tensors. With ``each=True`` every pair is an operation of its own:
  a list of pairs from ``order_tensors_by_norm``, 1-d tensors of ``count`` alphas and
  scales from ``calculate_equivalent_alpha_and_scaling_factor``.

Which path computes
-------------------
CPU tensors of float32, float64, bfloat16 and float16, contiguous, go through the library
(lists through its ``_list_``/``_each_`` functions). The float64 reductions and the output
rounded once from double are the library's (``SPEC.md`` §1, §2, §6). Everything else takes
an equivalent PyTorch path with the same semantics, never a different answer — the same
sums (every product exact, summed in float64; rescaled where float64 squares overflow),
the same order, tie and zero-vector rules and coefficients, the same errors
(ProjectionError for NaN/Inf input, a NaN norm order, an ``out=`` that partially overlaps
an input). Its outputs are ``torch.add(L, S, alpha=c)`` in the tensors' own arithmetic
(float32 for float32 and the 16-bit types), so they can differ from the library's in the
last bit or two; with autograd they are computed in float64 and rounded once.
The PyTorch path takes:

* tensors on another device (CUDA, ...), non-contiguous tensors;
* ``order_tensors_by_norm`` kwargs the library cannot honour (``dim``, ``dtype``, ``out``,
  or an ``ord`` that is not a real number): ``torch.linalg.vector_norm`` with those kwargs
  decides, as in the original;
* inputs that require grad while grad mode is on: the PyTorch path is differentiable;
* lists, with a library older than 1.1 (no ``_list_``/``_each_`` functions).

With a library older than 1.1, bfloat16/float16 tensors go through a float32 copy into
the library (the scalars are the same; vector outputs are rounded twice, to float32 and
then to the dtype).

Set ``projection.torch.FORCE_PYTORCH = True`` to send every call through the PyTorch path.

Errors: TypeError for a non-tensor (also inside a list), an unsupported or mixed dtype;
ValueError for mixed devices, lists of different lengths, tensors of different shapes, an
``out=`` that requires grad (or any ``out=`` when the inputs require grad under grad mode);
ProjectionError (a ValueError) for a library status.
"""

import math
import numbers
from operator import attrgetter

import torch

from . import _core, _lib
from ._lib import ERR_ARGUMENT, ERR_NONFINITE, ERR_OVERLAP, ProjectionError  # noqa: F401

__all__ = [
    "vector_projection", "order_tensors_by_norm", "project_out_smaller_tensor",
    "calculate_equivalent_alpha_and_scaling_factor", "alphaless_gradient",
    "alphaless_backward", "set_alphaless_grad", "ProjectionError", "FORCE_PYTORCH",
]

#: True: every call takes the PyTorch path (tests, debugging, comparisons).
FORCE_PYTORCH = False

_SUFFIX = {torch.float32: "f32", torch.float64: "f64", torch.bfloat16: "bf16",
           torch.float16: "f16"}
_STRIDED = torch.strided
_STRIDED_SET = frozenset([_STRIDED])
_F64 = torch.float64


# ====================================================================== checks

def _is_list(x):
    return isinstance(x, (list, tuple))


def _tensor(x, role):
    if not isinstance(x, torch.Tensor):
        raise TypeError("%s: expected a torch.Tensor, got %s" % (role, type(x).__name__))
    if x.layout != _STRIDED:
        raise TypeError("%s: a %s tensor is not supported; use a dense (strided) tensor"
                        % (role, x.layout))
    if x.dtype not in _SUFFIX:
        raise TypeError("%s: dtype %s is not supported; use torch.float32, float64, "
                        "bfloat16 or float16" % (role, x.dtype))
    return x


def _check_kind(a, b, ra, rb):
    """Same dtype and device (the tensors of one list)."""
    if a.dtype != b.dtype:
        raise TypeError("%s is %s but %s is %s; a list must have one dtype"
                        % (ra, a.dtype, rb, b.dtype))
    if a.device != b.device:
        raise ValueError("%s is on %s but %s is on %s; a list must be on one device"
                         % (ra, a.device, rb, b.device))


def _check_pair(a, b, ra, rb):
    if a.dtype != b.dtype:
        raise TypeError("%s is %s but %s is %s; they must have the same dtype"
                        % (ra, a.dtype, rb, b.dtype))
    if a.device != b.device:
        raise ValueError("%s is on %s but %s is on %s; they must be on the same device"
                         % (ra, a.device, rb, b.device))
    if a.shape != b.shape:
        raise ValueError("%s has shape %s but %s has shape %s; they must have the same shape"
                         % (ra, tuple(a.shape), rb, tuple(b.shape)))


def _check_out(a, out, ra, ro="out"):
    _tensor(out, ro)
    _check_pair(a, out, ra, ro)
    if out.requires_grad:
        raise ValueError("%s requires grad: the result is written into it, which autograd "
                         "cannot track; pass a tensor that does not require grad" % ro)


def _lib_ok(x):
    """Whether the library can read/write x in place: CPU, contiguous, no lazy negation."""
    return x.is_cpu and x.is_contiguous() and not x.is_neg()


def _wants_grad(*xs):
    return torch.is_grad_enabled() and any(x.requires_grad for x in xs)


def _lists(a, b, ra, rb):
    """Validates two lists of tensors; returns them as lists."""
    for x, r in ((a, ra), (b, rb)):
        if not _is_list(x):
            raise TypeError("%s: expected a list or tuple of tensors (the other argument is "
                            "one), got %s" % (r, type(x).__name__))
    if len(a) != len(b):
        raise ValueError("%s has %d tensors but %s has %d; the lists must have the same "
                         "length" % (ra, len(a), rb, len(b)))
    A = [_tensor(x, "%s[%d]" % (ra, i)) for i, x in enumerate(a)]
    B = [_tensor(x, "%s[%d]" % (rb, i)) for i, x in enumerate(b)]
    for i, (x, y) in enumerate(zip(A, B)):
        _check_kind(A[0], x, "%s[0]" % ra, "%s[%d]" % (ra, i))
        _check_pair(x, y, "%s[%d]" % (ra, i), "%s[%d]" % (rb, i))
    return A, B


def _out_list(A, out, ra):
    if not _is_list(out):
        raise TypeError("out: expected a list or tuple of tensors for list arguments, got %s"
                        % type(out).__name__)
    if len(out) != len(A):
        raise ValueError("out has %d tensors but %s has %d; the lists must have the same "
                         "length" % (len(out), ra, len(A)))
    for i, (x, o) in enumerate(zip(A, out)):
        _check_out(x, o, "%s[%d]" % (ra, i), "out[%d]" % i)
    return list(out)


def _ptrs(xs):
    return list(map(_data_ptr, xs))


def _sizes(xs):
    return list(map(_numel, xs))


# ---------------------------------------------------------------- lists at C speed
# A list of n tensors costs n Python calls per attribute read; these read one attribute of
# every tensor in one C-level loop (map over a getter or an unbound method), with no Python
# frame per tensor. They only recognise the common case; anything else takes the full
# checks (_lists, _out_list, _route_lists), which raise the errors with their messages.

_Tensor = torch.Tensor
_dtype_of = attrgetter("dtype")
_layout_of = attrgetter("layout")
_cpu_of = attrgetter("is_cpu")
_grad_of = attrgetter("requires_grad")
_shape_of = attrgetter("shape")
_grad_attr = attrgetter("grad")
_same_size = _Tensor.is_same_size  # no torch.Size objects made
_contiguous = _Tensor.is_contiguous
_is_neg = _Tensor.is_neg
_data_ptr = _Tensor.data_ptr
_numel = _Tensor.numel


def _all_tensors(xs):
    """Whether every element passes _tensor: a strided tensor of a supported dtype."""
    for tp in set(map(type, xs)):
        if not issubclass(tp, _Tensor):
            return False
    return (set(map(_layout_of, xs)) <= _STRIDED_SET
            and set(map(_dtype_of, xs)) <= _SUFFIX.keys())


def _tensors_of(xs):
    """The one dtype of ``xs`` when every element is a strided CPU tensor of that dtype,
    else None."""
    for tp in set(map(type, xs)):
        if not issubclass(tp, _Tensor):
            return None
    dts = set(map(_dtype_of, xs))
    if len(dts) != 1 or len(set(map(_layout_of, xs))) != 1 or xs[0].layout is not _STRIDED:
        return None
    if not all(map(_cpu_of, xs)):
        return None
    return dts.pop()


def _lib_tensors(xs):
    """The one dtype of ``xs`` when the library can read and write every element in place
    (as _lib_ok: strided, CPU, contiguous, no lazy negation), all of that dtype; else None."""
    dt = _tensors_of(xs)
    if dt is None or not all(map(_contiguous, xs)) or any(map(_is_neg, xs)):
        return None
    return dt


def _fast_lists(a, b, out, form, autograd=True):
    """The element-type suffix when two lists (and ``out``, a list or None) go straight to
    the library's ``form`` functions — every check of _lists and _out_list passes and
    _route_lists would pick the library; with ``autograd``, also no input requires grad
    under grad mode (the differentiable path's case) — else None. Empty lists are left to
    the full path."""
    if FORCE_PYTORCH or not (_is_list(a) and _is_list(b)):
        return None
    n = len(a)
    if not n or len(b) != n:
        return None
    in_place = out is a or out is b  # out's elements are checked as inputs
    if out is None or in_place:
        xs = [*a, *b]
    elif _is_list(out) and len(out) == n:
        xs = [*a, *b, *out]
    else:
        return None
    t = _SUFFIX.get(_lib_tensors(xs))
    if t is None:
        return None
    if any(map(_grad_of, xs if autograd and torch.is_grad_enabled() else out or ())):
        return None  # autograd's path, or an out= that requires grad (an error)
    if not all(map(_same_size, a, b)) or (
            out is not None and not in_place and not all(map(_same_size, a, out))):
        return None
    return t if _core.supported(t, form) else None


def _addresses(xs):
    return _core.addresses(map(_data_ptr, xs))


def _lengths(xs):
    return _core.lengths(map(_numel, xs))


# ====================================================================== the PyTorch path
# The library's semantics in PyTorch operations: sums in float64, the same order and
# coefficient algebra, outputs rounded once from float64. Branch-free on tensors (so
# differentiable, and shape-correct on the meta device); the checks that must raise
# synchronise once per call.

def _extent(x):
    if x.numel() == 0:
        return None
    lo = x.data_ptr()
    span = 1 + sum((s - 1) * st for s, st in zip(x.shape, x.stride()))
    return lo, lo + span * x.element_size()


def _same_view(x, y):
    return (x.data_ptr() == y.data_ptr() and x.shape == y.shape and x.stride() == y.stride())


def _overlaps(inputs, outs):
    """Whether an output overlaps an input or another output, other than being exactly
    its own input (in place). ``inputs``: a list of (a_i, b_i); ``outs``: [out_i].
    Tensors on the meta device have no memory; tensors on other devices cannot share."""
    ext = []
    for i, pair in enumerate(inputs):
        for x in pair:
            e = _extent(x)
            if e is not None and x.device.type != "meta":
                ext.append((e[0], e[1], False, i, x))
    for j, o in enumerate(outs):
        e = _extent(o)
        if e is not None and o.device.type != "meta":
            ext.append((e[0], e[1], True, j, o))
    return _lib.output_overlaps(ext, in_place=lambda o, x: _same_view(o[4], x[4]),
                                apart=lambda v, w: v[4].device != w[4].device)


def _pt_check(inputs, outs, function, ord=None, sums=None):
    """The library's checks, in its order: ARGUMENT, OVERLAP, NONFINITE. With ``sums``
    (a·a, b·b, a·b of the same inputs) finite, every input is finite (a NaN or Inf
    anywhere makes a·a or b·b non-finite): one check instead of one per tensor."""
    if ord is not None and isinstance(ord, numbers.Real) and math.isnan(ord):
        raise _lib.error(ERR_ARGUMENT, function)
    if outs and _overlaps(inputs, outs):
        raise _lib.error(ERR_OVERLAP, function)
    flat = [x for pair in inputs for x in pair if x.device.type != "meta" and x.numel()]
    if not flat:
        return
    if sums is not None and bool(torch.isfinite(torch.stack(sums)).all()):
        return
    finite = torch.stack([torch.isfinite(x).all() for x in flat]).all()
    if not bool(finite):
        raise _lib.error(ERR_NONFINITE, function)


def _pt_sums(A, B):
    """(a·a, b·b, a·b) over the lists, as 0-d float64 tensors, as the library: every
    product exact (float32 widened to float64, bfloat16/float16 to float32, whose products
    are exact there) and summed in float64. Finite float64 input whose sums overflow is
    summed again scaled by a power of two (the ratios that decide every result do not
    change), as the library redoes such sums in extended precision."""
    if not A:
        z = torch.zeros((), dtype=_F64)
        return z, z, z

    def sums(scale):
        parts = []
        for x, y in zip(A, B):
            x, y = x.reshape(-1), y.reshape(-1)
            if x.dtype == torch.float32:
                x, y = x.double(), y.double()
            elif x.dtype != _F64:
                x, y = x.float(), y.float()
            if scale != 1:
                x, y = x * scale, y * scale
            parts.append(torch.stack([(x * x).sum(dtype=_F64), (y * y).sum(dtype=_F64),
                                      (x * y).sum(dtype=_F64)]))
        return torch.stack(parts).sum(0) if len(parts) > 1 else parts[0]

    s = sums(1)
    if (A[0].dtype == _F64 and A[0].device.type != "meta" and not _wants_grad(*A, *B)
            and not bool(torch.isfinite(s).all())):
        big = max([float(x.abs().max()) for x in A + B if x.numel()] + [0.0])
        if math.isfinite(big) and big > 0:
            s = sums(2.0 ** -(math.frexp(big)[1] + 2))  # elements below 1/4: no overflow
    return s[0], s[1], s[2]


def _safe_div(num, den):
    zero = den == 0
    return torch.where(zero, torch.zeros_like(num), num / torch.where(zero, torch.ones_like(den), den))


def _coefficients(op, sums):
    """(ca, cb), 0-d float64 tensors: the output is ca * a + cb * b, per SPEC §1."""
    aa, bb, ab = sums
    if op == "vector_projection":
        return torch.zeros_like(aa), _safe_div(ab, bb)
    swapped = aa > bb                       # (S, L) = (b, a)
    k = _safe_div(ab, torch.where(swapped, bb, aa))
    one = torch.ones_like(k)
    cs = 1 - k if op == "alphaless_gradient" else -k
    return torch.where(swapped, one, cs), torch.where(swapped, cs, one)


def _alpha_scale(sums):
    """(alpha, scale) as 0-d float64 tensors."""
    aa, bb, ab = sums
    swapped = aa > bb
    k = _safe_div(ab, torch.where(swapped, bb, aa))
    one = torch.ones_like(k)
    c_noise = torch.where(swapped, one, 1 - k)
    c_model = torch.where(swapped, 1 - k, one)
    scale = c_noise + c_model
    return c_noise / scale, scale  # +-inf when scale == 0, as IEEE division gives


def _pt_alpha(A, B):
    return _alpha_scale(_pt_sums(A, B))


def _pt_vector(op, A, B, outs, function, sums=None):
    """The vector operation over the lists as one vector. With autograd (or on the meta
    device, which holds no values) a branch-free formula in float64; else one
    synchronisation for the two coefficients and one fused torch.add(L, S, alpha=c) per
    tensor, written straight into ``outs`` where given (after every check)."""
    if sums is None:
        sums = _pt_sums(A, B)
    _pt_check(list(zip(A, B)), outs, function, sums=sums)
    ca, cb = _coefficients(op, sums)
    if _wants_grad(*A, *B) or (A and A[0].device.type == "meta"):
        res = []
        for x, y in zip(A, B):
            r = cb * y.to(_F64) if op == "vector_projection" else ca * x.to(_F64) + cb * y.to(_F64)
            res.append(r.to(x.dtype))
        if outs is None:
            return res
        with torch.no_grad():
            for o, r in zip(outs, res):
                o.copy_(r)
        return outs
    ca, cb = torch.stack([ca, cb]).tolist()
    res = []
    with torch.no_grad():
        for i, (x, y) in enumerate(zip(A, B)):
            o = torch.empty_like(x, memory_format=torch.contiguous_format) if outs is None else outs[i]
            if op == "vector_projection":
                torch.mul(y, cb, out=o)
            elif ca == 1.0:                   # L = a
                torch.add(x, y, alpha=cb, out=o)
            else:                             # L = b
                torch.add(y, x, alpha=ca, out=o)
            res.append(o)
    return res


def _pt_norm(x, kwargs):
    if x.numel() == 0 and kwargs.get("dim") is None:
        # SPEC §3: the norm of no elements is 0 for every order (vector_norm refuses +-inf)
        return torch.zeros((), dtype=kwargs.get("dtype") or x.dtype, device=x.device)
    return torch.linalg.vector_norm(x, **kwargs)


def _pt_order(A, B, kwargs, function):
    """swapped (bool) for the lists as one vector. Where the library could honour the
    kwargs (a real ``ord``), the library's norms: the 2-norm from the exact sums (so
    right beyond float64's range of squares), other orders by vector_norm in float64.
    Otherwise vector_norm with the caller's kwargs decides, as in the original."""
    ord = _lib_ord(kwargs)
    _pt_check(list(zip(A, B)), None, function, ord)
    if ord == 2.0:
        aa, bb, _ = _pt_sums(A, B)
        return not bool(torch.sqrt(aa) <= torch.sqrt(bb))
    if ord is not None:
        kwargs = {"ord": ord, "dtype": _F64}
    if len(A) == 1:
        na, nb = _pt_norm(A[0], kwargs), _pt_norm(B[0], kwargs)
    else:
        if kwargs.get("dim") is not None:
            raise ValueError("%s: dim= has no meaning for a list taken as one vector; use "
                             "each=True" % function)
        na = _pt_norm(torch.cat([x.reshape(-1) for x in A]), kwargs)
        nb = _pt_norm(torch.cat([y.reshape(-1) for y in B]), kwargs)
    return not bool(na <= nb)  # as the original: (a, b) if |a| <= |b| else (b, a)


# ====================================================================== routing

def _route_single(a, b, out):
    """The element-type suffix for the library path, or None for the PyTorch path."""
    if FORCE_PYTORCH:
        return None
    if not (_lib_ok(a) and _lib_ok(b) and (out is None or _lib_ok(out))):
        return None
    return _SUFFIX[a.dtype]


def _route_lists(A, B, outs, form):
    if FORCE_PYTORCH or not _core.supported("f32", form):
        return None
    for xs in (A, B, outs or ()):
        for x in xs:
            if not _lib_ok(x):
                return None
    return _SUFFIX[A[0].dtype] if A else None


def _no_grad_out(inputs, out):
    if out is not None and _wants_grad(*inputs):
        raise ValueError("out= cannot be used when an input requires grad (autograd cannot "
                         "track a result written into out); call under torch.no_grad() or "
                         "leave out=None")


# ---------------------------------------------------------------- the fast path
# Small tensors are dominated by the Python call: the common case (CPU, contiguous, one
# dtype the library has, no autograd) is recognised with a few attribute reads and goes
# straight to the C function; anything else falls to the full checks and routing below.

_NATIVE = {}  # dtype -> suffix, for the dtypes the loaded library has on one buffer


def _native():
    if not _NATIVE:
        _NATIVE.update({d: t for d, t in _SUFFIX.items() if _core.supported(t)})
    return _NATIVE


def _fast(a, b):
    """The suffix when the pair can go straight to the library, else None."""
    if FORCE_PYTORCH or not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return None
    t = (_NATIVE or _native()).get(a.dtype)
    if (t is None or b.dtype is not a.dtype or not a.is_cpu or not b.is_cpu
            or a.layout is not _STRIDED or b.layout is not _STRIDED
            or a.shape != b.shape or not a.is_contiguous() or not b.is_contiguous()
            or a.is_neg() or b.is_neg()
            or ((a.requires_grad or b.requires_grad) and torch.is_grad_enabled())):
        return None
    return t


def _fast_out(a, out):
    return (isinstance(out, torch.Tensor) and out.dtype is a.dtype and out.is_cpu
            and out.layout is _STRIDED and out.shape == a.shape and out.is_contiguous()
            and not out.is_neg() and not out.requires_grad)


def _vector(op, function, a, b, out, each, roles):
    t = _fast(a, b)
    if t is not None and (out is None or _fast_out(a, out)):
        res = torch.empty_like(a) if out is None else out
        _core.vector(op, t, a.data_ptr(), b.data_ptr(), a.numel(), res.data_ptr(), function)
        return res
    if _is_list(a) or _is_list(b):
        return _vector_lists(op, function, a, b, out, each, roles)
    _tensor(a, roles[0])
    _tensor(b, roles[1])
    _check_pair(a, b, *roles)
    if out is not None:
        _check_out(a, out, roles[0])
    if a.requires_grad or b.requires_grad:
        _no_grad_out((a, b), out)
        if _wants_grad(a, b):
            return _pt_vector(op, [a], [b], None, function)[0]
    t = _route_single(a, b, out)
    if t is None:
        r = _pt_vector(op, [a], [b], None if out is None else [out], function)
        return r[0]
    if _core.supported(t):
        res = torch.empty_like(a) if out is None else out
        _core.vector(op, t, a.data_ptr(), b.data_ptr(), a.numel(), res.data_ptr(), function)
        return res
    # a library without the 16-bit functions: through a float32 copy
    a32, b32 = a.float(), b.float()
    r32 = torch.empty_like(a32)
    _core.vector(op, "f32", a32.data_ptr(), b32.data_ptr(), a.numel(), r32.data_ptr(), function)
    if out is None:
        return r32.to(a.dtype)
    return out.copy_(r32)


def _vector_lists(op, function, a, b, out, each, roles):
    t = _fast_lists(a, b, out, "each" if each else "list")
    if t is not None:
        res = list(map(torch.empty_like, a)) if out is None else out
        _core.vector_many(op, "each" if each else "list", t, _addresses(a), _addresses(b),
                          _lengths(a), _addresses(res), function)
        return res
    A, B = _lists(a, b, *roles)
    outs = None if out is None else _out_list(A, out, roles[0])
    if _wants_grad(*A, *B):
        _no_grad_out(A + B, out)
        return _pt_vector_lists(op, A, B, None, each, function)
    form = "each" if each else "list"
    t = _route_lists(A, B, outs, form)
    if not A:
        return [] if out is None else out
    if t is None:
        r = _pt_vector_lists(op, A, B, outs, each, function)
        return r if out is None else out
    res = [torch.empty_like(x) for x in A] if outs is None else outs
    _core.vector_many(op, form, t, _ptrs(A), _ptrs(B), _sizes(A), _ptrs(res), function)
    return res if out is None else out


def _pt_vector_lists(op, A, B, outs, each, function):
    if not each:
        return _pt_vector(op, A, B, outs, function)
    _pt_check(list(zip(A, B)), outs, function)
    res = [_pt_vector(op, [x], [y], None, function)[0] for x, y in zip(A, B)]
    if outs is None:
        return res
    with torch.no_grad():
        for o, r in zip(outs, res):
            o.copy_(r)
    return outs


# ====================================================================== the functions

def vector_projection(a, b, *, out=None, each=False):
    """The projection of ``a`` onto ``b``: ``(a·b / b·b) b``, a tensor of ``a``'s shape and
    dtype; the zero tensor when ``b`` is zero (where the original gives NaN)."""
    return _vector("vector_projection", "vector_projection", a, b, out, each, ("a", "b"))


def project_out_smaller_tensor(a, b, *, out=None, each=False):
    """The larger (2-norm) of ``a`` and ``b`` with its component along the smaller removed:
    ``L - (L·S / S·S) S``."""
    return _vector("project_out_smaller", "project_out_smaller_tensor", a, b, out, each,
                   ("a", "b"))


def alphaless_gradient(g_noise, g_model, *, out=None, each=False):
    """The alphaless gradient ``L + (1 - k) S``, ``(S, L)`` the 2-norm order of the two
    gradients, ``k = L·S / S·S`` (0 when ``S`` is zero)."""
    return _vector("alphaless_gradient", "alphaless_gradient", g_noise, g_model, out, each,
                   ("g_noise", "g_model"))


def _lib_ord(kwargs):
    """The norm order as a float when the library can honour every kwarg, else None."""
    ord = 2.0
    for k, v in kwargs.items():
        if k == "ord":
            if not isinstance(v, numbers.Real):
                return None
            ord = float(v)
        elif k == "keepdim":
            continue  # a full reduction compares the same with or without kept dims
        elif k in ("dim", "dtype"):
            if v is not None:
                return None
        else:
            return None  # out=, or a keyword vector_norm itself will refuse
    return ord


def order_tensors_by_norm(a, b, *, each=False, **kwargs):
    """``(a, b)`` if ``vector_norm(a, **kwargs) <= vector_norm(b, **kwargs)`` else
    ``(b, a)`` — the argument objects themselves. Stable: equal norms keep ``(a, b)``."""
    function = "order_tensors_by_norm"
    ord = _lib_ord(kwargs)
    if _is_list(a) or _is_list(b):
        form = "each" if each else "list"
        t = None if ord is None else _fast_lists(a, b, None, form, autograd=False)
        if t is not None:
            sw = _core.order_many(form, t, _addresses(a), _addresses(b), _lengths(a), ord,
                                  function)
            if each:
                return [(y, x) if s else (x, y) for s, x, y in zip(sw, a, b)]
            return (b, a) if sw else (a, b)
        A, B = _lists(a, b, "a", "b")
        if not A:
            return [] if each else (a, b)
        t = None if ord is None else _route_lists(A, B, None, form)
        if t is not None:
            sw = _core.order_many(form, t, _ptrs(A), _ptrs(B), _sizes(A), ord, function)
        elif each:
            sw = [_pt_order([x], [y], kwargs, function) for x, y in zip(A, B)]
        else:
            sw = _pt_order(A, B, kwargs, function)
        if each:
            return [(y, x) if s else (x, y) for s, x, y in zip(sw, a, b)]
        return (b, a) if sw else (a, b)
    t = None if ord is None else _fast(a, b)
    if t is not None:
        sw = _core.order(t, a.data_ptr(), b.data_ptr(), a.numel(), ord, function)
        return (b, a) if sw else (a, b)
    _tensor(a, "a")
    _tensor(b, "b")
    _check_pair(a, b, "a", "b")
    t = None if ord is None else _route_single(a, b, None)
    if t is None:
        sw = _pt_order([a], [b], kwargs, function)
    elif _core.supported(t):
        sw = _core.order(t, a.data_ptr(), b.data_ptr(), a.numel(), ord, function)
    else:
        a32, b32 = a.float(), b.float()  # exact: every bf16/f16 value is a float
        sw = _core.order("f32", a32.data_ptr(), b32.data_ptr(), a.numel(), ord, function)
    return (b, a) if sw else (a, b)


def _scalar(x, like):
    return torch.scalar_tensor(x, dtype=like.dtype, device=like.device)


def calculate_equivalent_alpha_and_scaling_factor(g_noise, g_model, *, each=False):
    """``(alpha, scale)``, 0-d tensors of the gradients' dtype, with
    ``alphaless_gradient == scale * (alpha * g_noise + (1 - alpha) * g_model)``;
    ``alpha`` is ``±inf`` when ``scale == 0``. Lists with ``each=True``: 1-d tensors."""
    function = "calculate_equivalent_alpha_and_scaling_factor"
    roles = ("g_noise", "g_model")
    if _is_list(g_noise) or _is_list(g_model):
        form = "each" if each else "list"
        t = _fast_lists(g_noise, g_model, None, form)
        if t is not None:
            al, sc = _core.alpha_many(form, t, _addresses(g_noise), _addresses(g_model),
                                      _lengths(g_noise), function)
            dtype, dev = g_noise[0].dtype, g_noise[0].device
            return (torch.tensor(al, dtype=dtype, device=dev),
                    torch.tensor(sc, dtype=dtype, device=dev))
        A, B = _lists(g_noise, g_model, *roles)
        dtype = A[0].dtype if A else torch.get_default_dtype()
        dev = A[0].device if A else torch.device("cpu")
        if not A:
            return ((torch.empty(0, dtype=dtype), torch.empty(0, dtype=dtype)) if each else
                    (torch.tensor(0.5, dtype=dtype), torch.tensor(2.0, dtype=dtype)))
        form = "each" if each else "list"
        t = None if _wants_grad(*A, *B) else _route_lists(A, B, None, form)
        if t is not None:
            al, sc = _core.alpha_many(form, t, _ptrs(A), _ptrs(B), _sizes(A), function)
            return (torch.tensor(al, dtype=dtype, device=dev),
                    torch.tensor(sc, dtype=dtype, device=dev))
        if each:
            _pt_check(list(zip(A, B)), None, function)
            pairs = [_pt_alpha([x], [y]) for x, y in zip(A, B)]
            return (torch.stack([p[0] for p in pairs]).to(dtype),
                    torch.stack([p[1] for p in pairs]).to(dtype))
        sums = _pt_sums(A, B)
        _pt_check(list(zip(A, B)), None, function, sums=sums)
        al, sc = _alpha_scale(sums)
        return al.to(dtype), sc.to(dtype)
    t = _fast(g_noise, g_model)
    if t is not None:
        al, sc = _core.alpha(t, g_noise.data_ptr(), g_model.data_ptr(), g_noise.numel(),
                             function)
        dt = g_noise.dtype
        return torch.scalar_tensor(al, dtype=dt), torch.scalar_tensor(sc, dtype=dt)
    _tensor(g_noise, roles[0])
    _tensor(g_model, roles[1])
    _check_pair(g_noise, g_model, *roles)
    t = None if _wants_grad(g_noise, g_model) else _route_single(g_noise, g_model, None)
    if t is None:
        sums = _pt_sums([g_noise], [g_model])
        _pt_check([(g_noise, g_model)], None, function, sums=sums)
        al, sc = _alpha_scale(sums)
        return al.to(g_noise.dtype), sc.to(g_noise.dtype)
    if _core.supported(t):
        al, sc = _core.alpha(t, g_noise.data_ptr(), g_model.data_ptr(), g_noise.numel(),
                             function)
    else:
        a32, b32 = g_noise.float(), g_model.float()
        al, sc = _core.alpha("f32", a32.data_ptr(), b32.data_ptr(), g_noise.numel(), function)
    return _scalar(al, g_noise), _scalar(sc, g_noise)


# ====================================================================== training

def _set_grad_fast(P, N, M, function):
    """set_alphaless_grad's library path at list speed for the common case: every entry a
    strided, contiguous CPU tensor of one dtype without a lazy negation, both gradients of
    every parameter given and of its shape, and every existing ``.grad`` contiguous and not
    requiring grad. Returns ``(alpha, scale)``, or None (nothing done) for anything else,
    which set_alphaless_grad's full code then takes, with its checks and messages."""
    if FORCE_PYTORCH or not P:
        return None
    dt = _tensors_of(P)
    if dt is None or _lib_tensors([*N, *M]) is not dt:
        return None
    t = _SUFFIX.get(dt)
    if (t is None or not all(map(_same_size, P, N)) or not all(map(_same_size, P, M))
            or not _core.supported(t, "list")):
        return None
    grads = list(map(_grad_attr, P))
    kinds = set(map(type, grads))
    if type(None) in kinds:
        if len(kinds) != 1:
            return None  # some .grad exist, some not: the full path
        old = None
    else:
        old = grads
        if (_lib_tensors(old) is not dt or any(map(_grad_of, old))
                or not all(map(_same_size, P, old))):
            return None
    with torch.no_grad():
        if old is None:
            grads = [torch.empty_like(p, memory_format=torch.contiguous_format) for p in P]
        pn, pm, ns = _addresses(N), _addresses(M), _lengths(N)
        al, sc = _core.alpha_many("list", t, pn, pm, ns, function)
        _core.vector_many("alphaless_gradient", "list", t, pn, pm, ns, _addresses(grads),
                          function)
        if old is None:
            for p, g in zip(P, grads):
                p.grad = g
        return torch.tensor(al, dtype=dt), torch.tensor(sc, dtype=dt)


def set_alphaless_grad(params, noise_grads, model_grads):
    """Sets ``p.grad`` of every parameter to the alphaless gradient of the whole list
    (one vector) from the two lists of gradients; returns ``(alpha, scale)`` as 0-d
    tensors of the parameters' dtype.

    An existing ``p.grad`` is overwritten in place (its memory is reused: no allocation
    step after step); a missing one is allocated. A ``None`` entry in one gradient list is
    taken as zeros; a parameter with ``None`` in both keeps its ``.grad`` as it is and
    takes no part. On any error no ``.grad`` is changed."""
    function = "alphaless_backward"
    params = list(params)
    noise_grads, model_grads = list(noise_grads), list(model_grads)
    if not (len(params) == len(noise_grads) == len(model_grads)):
        raise ValueError("params, noise_grads and model_grads have %d, %d and %d entries; "
                         "they must have the same length"
                         % (len(params), len(noise_grads), len(model_grads)))
    fast = _set_grad_fast(params, noise_grads, model_grads, function)
    if fast is not None:
        return fast
    Tensor = torch.Tensor

    def like(p, g):  # a gradient of p's shape, dtype and device (a cheap test first)
        return (isinstance(g, Tensor) and g.dtype is p.dtype and g.layout is _STRIDED
                and g.shape == p.shape and g.is_cpu == p.is_cpu
                and g.get_device() == p.get_device())

    P, N, M, idx = [], [], [], []
    for i, (p, gn, gm) in enumerate(zip(params, noise_grads, model_grads)):
        if not (isinstance(p, Tensor) and p.dtype in _SUFFIX and p.layout is _STRIDED):
            _tensor(p, "params[%d]" % i)
        if gn is None and gm is None:
            continue
        if gn is None:
            gn = torch.zeros_like(_tensor(gm, "model_grads[%d]" % i))
        if gm is None:
            gm = torch.zeros_like(_tensor(gn, "noise_grads[%d]" % i))
        for g, role in ((gn, "noise_grads"), (gm, "model_grads")):
            if not like(p, g):  # the full checks, for their messages
                _tensor(g, "%s[%d]" % (role, i))
                _check_pair(p, g, "params[%d]" % i, "%s[%d]" % (role, i))
        g = p.grad
        if g is not None and g.requires_grad:
            raise ValueError("params[%d].grad requires grad (made by backward(create_graph="
                             "True)?); the alphaless gradient is not differentiable: set "
                             "p.grad = None first" % i)
        if g is not None and (g.dtype != p.dtype or g.shape != p.shape
                              or g.device != p.device):
            # p.data was replaced after p.grad was set: the gradient would be written
            # past the end of p.grad, or reinterpreted
            raise ValueError("params[%d].grad is %s of shape %s on %s but params[%d] is %s "
                             "of shape %s on %s (p.data replaced?); set p.grad = None first"
                             % (i, g.dtype, tuple(g.shape), g.device, i, p.dtype,
                                tuple(p.shape), p.device))
        P.append(p)
        N.append(gn.detach() if gn.requires_grad else gn)
        M.append(gm.detach() if gm.requires_grad else gm)
        idx.append(i)
    if not P:
        raise ValueError("no parameter has a gradient from either loss")
    dt, cpu, dev = P[0].dtype, P[0].is_cpu, P[0].get_device()
    for j in range(1, len(P)):  # one dtype and device for the one vector
        if P[j].dtype is not dt or P[j].is_cpu != cpu or P[j].get_device() != dev:
            _check_kind(P[0], P[j], "params[%d]" % idx[0], "params[%d]" % idx[j])
    with torch.no_grad():
        fresh = [p.grad is None for p in P]
        outs = [torch.empty_like(p, memory_format=torch.contiguous_format) if f else p.grad
                for f, p in zip(fresh, P)]
        lib_ok = not FORCE_PYTORCH and P[0].is_cpu and _core.supported("f32", "list")
        if lib_ok:
            t = _SUFFIX[P[0].dtype]
            N = [g if g.is_contiguous() else g.contiguous() for g in N]
            M = [g if g.is_contiguous() else g.contiguous() for g in M]
            direct = [o.is_contiguous() for o in outs]
            targets = [o if d else torch.empty_like(o, memory_format=torch.contiguous_format)
                       for o, d in zip(outs, direct)]
            pn, pm, ns = _ptrs(N), _ptrs(M), _sizes(N)
            al, sc = _core.alpha_many("list", t, pn, pm, ns, function)
            _core.vector_many("alphaless_gradient", "list", t, pn, pm, ns, _ptrs(targets),
                              function)
            for o, tg, d in zip(outs, targets, direct):
                if not d:
                    o.copy_(tg)
            alpha = torch.tensor(al, dtype=P[0].dtype)
            scale = torch.tensor(sc, dtype=P[0].dtype)
        else:
            sums = _pt_sums(N, M)
            _pt_vector("alphaless_gradient", N, M, outs, function, sums)
            a64, s64 = _alpha_scale(sums)
            alpha, scale = a64.to(P[0].dtype), s64.to(P[0].dtype)
        for f, p, o in zip(fresh, P, outs):
            if f:
                p.grad = o
    return alpha, scale


def alphaless_backward(noise_loss, model_loss, params, *, retain_graph=False):
    """One training step's gradients: the gradients of ``noise_loss`` and of
    ``model_loss`` with respect to ``params`` (torch.autograd.grad), then every
    parameter's ``.grad`` set to the alphaless gradient of the whole parameter list
    (one library call over the list, written into the existing ``.grad`` tensors), as
    ``set_alphaless_grad``. Returns ``(alpha, scale)``, 0-d tensors, with
    ``p.grad == scale * d(alpha * noise_loss + (1 - alpha) * model_loss)/dp``.

    ``params`` is any iterable of tensors that require grad (``model.parameters()``).
    Unlike ``loss.backward()``, ``.grad`` is set, not accumulated. A parameter that
    neither loss depends on keeps its ``.grad`` (``None`` if it had none) and does not
    count; one that only one loss depends on has a zero gradient from the other.
    ``retain_graph``: keep the graph after the second gradient (the first always keeps it)."""
    params = list(params)
    if not params:
        raise ValueError("params is empty")
    for name, loss in (("noise_loss", noise_loss), ("model_loss", model_loss)):
        if not isinstance(loss, torch.Tensor):
            raise TypeError("%s: expected a tensor, got %s" % (name, type(loss).__name__))
        if loss.numel() != 1:
            raise ValueError("%s has %d elements; a loss is a scalar" % (name, loss.numel()))
        if not loss.requires_grad:
            raise ValueError("%s does not require grad: it was computed without the "
                             "parameters, or under torch.no_grad()" % name)
    if not (_all_tensors(params) and all(map(_grad_of, params))):
        for i, p in enumerate(params):  # the first offending parameter, with its message
            _tensor(p, "params[%d]" % i)
            if not p.requires_grad:
                raise ValueError("params[%d] does not require grad" % i)
    g_noise = torch.autograd.grad(noise_loss, params, retain_graph=True, allow_unused=True)
    g_model = torch.autograd.grad(model_loss, params, retain_graph=retain_graph,
                                  allow_unused=True)
    return set_alphaless_grad(params, g_noise, g_model)
