"""The C calls themselves, over raw addresses: one buffer, a list as one vector
(``_list_``) or each buffer of a list on its own (``_each_``). Shared by the buffer API
(``projection``) and the PyTorch API (``projection.torch``), which turn their arguments
into addresses and element counts their own way."""

import array
import ctypes

from . import _lib
from ._lib import OK, check, load_library

_GROUP_OF_SINGLE = {"f32": "core", "f64": "core", "bf16": "bf16", "f16": "f16"}
_TYPE_NAME = {"f32": "float32", "f64": "float64", "bf16": "bfloat16", "f16": "float16"}


def supported(t, form=None):
    """Whether the loaded library has the functions for element type ``t`` in ``form``
    (None: one buffer; ``"list"`` or ``"each"``)."""
    load_library()
    f = _lib.features
    if form is None:
        return f.get(_GROUP_OF_SINGLE[t], False)
    return f.get(form, False)


_FNS = {}  # C name -> the declared ctypes function, once found


def _fn(name, t, form, function):
    f = _FNS.get(name)
    if f is not None:
        return f
    lib = load_library()
    if not supported(t, form):
        what = "%s on %s" % (function, _TYPE_NAME[t])
        _lib.require(form or _GROUP_OF_SINGLE[t], what)
    f = _FNS[name] = getattr(lib, name)
    return f


def _typecode(ctype):
    """The array.array type code of an unsigned integer the size of ``ctype``."""
    for code in "QLIH":
        if array.array(code).itemsize == ctypes.sizeof(ctype):
            return code
    raise ImportError("no array.array type code for %s" % ctype.__name__)  # pragma: no cover


_PTR_CODE = _typecode(ctypes.c_void_p)
_SIZE_CODE = _typecode(ctypes.c_size_t)


def addresses(xs):
    """An array.array of buffer addresses from an iterable of ints (None for NULL is not
    accepted: pass 0), ready for the list functions without another conversion."""
    return array.array(_PTR_CODE, xs)


def lengths(xs):
    """An array.array of element counts (size_t) from an iterable of ints."""
    return array.array(_SIZE_CODE, xs)


def _c_array(xs, code, ctype, count):
    """A ctypes array of ``count`` ``ctype`` over ``xs`` (an array.array of the right type
    code: no copy; else any sequence of ints, converted at C speed)."""
    if not (isinstance(xs, array.array) and xs.typecode == code):
        xs = array.array(code, [0 if x is None else x for x in xs] if None in xs else xs)
    if len(xs) != count:
        raise ValueError("%d addresses or lengths for a list of %d" % (len(xs), count))
    if not count:
        return (ctype * 1)()  # a valid address; the library reads none of it
    return (ctype * count).from_buffer(xs)


def _arrays(pas, pbs, ns, pos=None):
    count = len(ns)
    arrays = [_c_array(pas, _PTR_CODE, ctypes.c_void_p, count),
              _c_array(pbs, _PTR_CODE, ctypes.c_void_p, count),
              _c_array(ns, _SIZE_CODE, ctypes.c_size_t, count)]
    if pos is not None:
        arrays.append(_c_array(pos, _PTR_CODE, ctypes.c_void_p, count))
    return count, arrays


# ------------------------------------------------------------------ one buffer

def vector(op, t, pa, pb, n, po, function):
    """``op`` in VECTOR_OPS on one buffer; writes ``po``."""
    st = _fn("projection_%s_%s" % (op, t), t, None, function)(pa, pb, n, po)
    if st != OK:
        check(st, function)


def order(t, pa, pb, n, ord, function, norms=False):
    """``swapped`` (bool), or ``(swapped, norm_a, norm_b)`` with ``norms``."""
    sw = ctypes.c_int(-1)
    if norms:
        na, nb = ctypes.c_double(), ctypes.c_double()
        st = _fn("projection_order_by_norm_" + t, t, None, function)(
            pa, pb, n, ord, ctypes.byref(sw), ctypes.byref(na), ctypes.byref(nb))
    else:
        st = _fn("projection_order_by_norm_" + t, t, None, function)(
            pa, pb, n, ord, ctypes.byref(sw), None, None)
    if st != OK:
        check(st, function)
    return (bool(sw.value), na.value, nb.value) if norms else bool(sw.value)


def alpha(t, pa, pb, n, function):
    """``(alpha, scale)`` as floats."""
    a, s = ctypes.c_double(), ctypes.c_double()
    st = _fn("projection_equivalent_alpha_" + t, t, None, function)(
        pa, pb, n, ctypes.byref(a), ctypes.byref(s))
    if st != OK:
        check(st, function)
    return a.value, s.value


# ------------------------------------------------------------------ lists

def vector_many(op, form, t, pas, pbs, ns, pos, function):
    """``op`` over a list of segments (``form``: ``"list"`` one vector, ``"each"``)."""
    fn = _fn("projection_%s_%s_%s" % (op, form, t), t, form, function)
    count, (A, B, N, O) = _arrays(pas, pbs, ns, pos)
    st = fn(A, B, N, count, O)
    if st != OK:
        check(st, function)


def order_many(form, t, pas, pbs, ns, ord, function, norms=False):
    """``"list"``: swapped (bool) [and the two norms]; ``"each"``: a list of bools
    [and two lists of norms]."""
    fn = _fn("projection_order_by_norm_%s_%s" % (form, t), t, form, function)
    count, (A, B, N) = _arrays(pas, pbs, ns)
    k = 1 if form == "list" else count
    sw = (ctypes.c_int * max(k, 1))()
    na = (ctypes.c_double * max(k, 1))() if norms else None
    nb = (ctypes.c_double * max(k, 1))() if norms else None
    st = fn(A, B, N, count, ord, sw, na, nb)
    if st != OK:
        check(st, function)
    if form == "list":
        return (bool(sw[0]), na[0], nb[0]) if norms else bool(sw[0])
    s = list(map(bool, sw[:count]))
    return (s, na[:count], nb[:count]) if norms else s


def alpha_many(form, t, pas, pbs, ns, function):
    """``"list"``: ``(alpha, scale)``; ``"each"``: ``([alpha...], [scale...])``."""
    fn = _fn("projection_equivalent_alpha_%s_%s" % (form, t), t, form, function)
    count, (A, B, N) = _arrays(pas, pbs, ns)
    k = 1 if form == "list" else count
    a = (ctypes.c_double * max(k, 1))()
    s = (ctypes.c_double * max(k, 1))()
    st = fn(A, B, N, count, a, s)
    if st != OK:
        check(st, function)
    if form == "list":
        return a[0], s[0]
    return a[:count], s[:count]  # slices of a ctypes array are new lists
