"""Turning NumPy arrays, PyTorch CPU tensors and buffer-protocol objects into
(address, element count, element type) without copying, and making results of the
caller's kind. Element types: float32, float64 and float16 (NumPy ``float16``, buffer
format ``'e'``) for buffers; float32, float64, bfloat16 and float16 for tensors."""

import array
import ctypes
import sys
from operator import attrgetter

_LITTLE = sys.byteorder == "little"
# memoryview formats accepted for each element type (native byte order only)
_FORMATS = {"f": "f32", "@f": "f32", "=f": "f32", "d": "f64", "@d": "f64", "=d": "f64",
            "e": "f16", "@e": "f16", "=e": "f16"}
if _LITTLE:
    _FORMATS.update({"<f": "f32", "<d": "f64", "<e": "f16"})
else:  # pragma: no cover - no big-endian machine here
    _FORMATS.update({">f": "f32", ">d": "f64", ">e": "f16"})
_ITEMSIZE = {"f32": 4, "f64": 8, "f16": 2, "bf16": 2}
_DTYPE_NAME = {"f32": "float32", "f64": "float64", "f16": "float16", "bf16": "bfloat16"}
_TORCH_SUFFIX = {}  # torch dtype -> suffix, filled on first use (torch is never imported here)


def torch_suffix(dtype):
    """The C suffix of a torch dtype, or None."""
    if not _TORCH_SUFFIX:
        torch = _torch()
        _TORCH_SUFFIX.update({torch.float32: "f32", torch.float64: "f64",
                              torch.bfloat16: "bf16", torch.float16: "f16"})
    return _TORCH_SUFFIX.get(dtype)

# --- the C-level buffer protocol through ctypes: the only way to get the address of a
# read-only buffer (bytes, a read-only NumPy array, ...) without copying it.
_PyBUF_WRITABLE = 0x0001
_PyBUF_FORMAT = 0x0004
_PyBUF_C_CONTIGUOUS = 0x0020 | 0x0010 | 0x0008  # includes STRIDES and ND


class _PyBuffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),  # owned reference, dropped by PyBuffer_Release
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


def _torch():
    return sys.modules.get("torch")  # never imported here: a tensor implies it is loaded


def _numpy():
    return sys.modules.get("numpy")


def _is_tensor(x):
    t = _torch()
    return t is not None and isinstance(x, t.Tensor)


class Operand:
    """One argument seen as a flat C array. Use as a context manager: the buffer export
    (for buffer-protocol objects) is held until exit."""

    __slots__ = ("obj", "role", "writable", "kind", "suffix", "n", "shape", "ptr", "_view")

    def __init__(self, obj, role, writable=False):
        self.obj, self.role, self.writable = obj, role, writable
        self._view = None
        if _is_tensor(obj):
            self._from_tensor(obj)
        else:
            self._from_buffer(obj)

    # -- PyTorch
    def _from_tensor(self, t):
        torch = _torch()
        if t.layout != torch.strided:
            raise TypeError("%s: a %s tensor is not supported; use a dense (strided) tensor"
                            % (self.role, t.layout))
        if t.device.type != "cpu":
            raise ValueError("%s: tensor is on device '%s'; projection works on CPU memory "
                             "only (use .cpu())" % (self.role, t.device))
        self.suffix = torch_suffix(t.dtype)
        if self.suffix is None:
            raise TypeError("%s: tensor dtype %s is not supported; use torch.float32, "
                            "float64, bfloat16 or float16" % (self.role, t.dtype))
        if not t.is_contiguous():
            raise ValueError("%s: tensor is not contiguous (use .contiguous())" % self.role)
        if getattr(t, "is_neg", bool)() or getattr(t, "is_conj", bool)():
            raise ValueError("%s: tensor has a lazy negation/conjugation bit "
                             "(use .resolve_neg())" % self.role)
        if self.writable and t.requires_grad:
            raise ValueError("%s: cannot write into a tensor that requires grad" % self.role)
        self.kind = "torch"
        self.n = t.numel()
        self.shape = tuple(t.shape)
        self.ptr = t.data_ptr() or None

    # -- buffer protocol (NumPy arrays, array.array, memoryview, ...)
    def _from_buffer(self, obj):
        try:
            mv = memoryview(obj)
        except TypeError:
            raise TypeError("%s: expected a NumPy array, a PyTorch tensor or a buffer of "
                            "float32/float64/float16, got %s"
                            % (self.role, type(obj).__name__)) from None
        with mv:
            suffix = _FORMATS.get(mv.format)
            if suffix is None or mv.itemsize != _ITEMSIZE[suffix]:
                raise TypeError("%s: element format %r is not supported; use float32 ('f'), "
                                "float64 ('d') or float16 ('e') in native byte order"
                                % (self.role, mv.format))
            if not mv.c_contiguous:
                raise ValueError("%s: buffer is not C-contiguous (make a contiguous copy, "
                                 "e.g. numpy.ascontiguousarray)" % self.role)
            if self.writable and mv.readonly:
                raise ValueError("%s: buffer is read-only" % self.role)
            self.suffix = suffix
            self.n = mv.nbytes // mv.itemsize
            self.shape = tuple(mv.shape)
        np = _numpy()
        if np is not None and isinstance(obj, np.ndarray):
            self.kind = "numpy"
        elif isinstance(obj, array.array):
            self.kind = "array"
        else:
            self.kind = "memoryview"
        view = _PyBuffer()
        flags = _PyBUF_FORMAT | _PyBUF_C_CONTIGUOUS | (_PyBUF_WRITABLE if self.writable else 0)
        _get_buffer(obj, ctypes.byref(view), flags)  # raises BufferError on failure
        self._view = view
        self.ptr = view.buf

    def release(self):
        if self._view is not None:
            _release_buffer(ctypes.byref(self._view))
            self._view = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    @property
    def dtype_name(self):
        return _DTYPE_NAME[self.suffix]


def new_like(op):
    """A new, uninitialised-or-zeroed result of the same kind, element type and shape."""
    if op.kind == "torch":
        return _torch().empty(op.shape, dtype=op.obj.dtype)
    if op.kind == "numpy":
        return _numpy().empty(op.shape, dtype=op.obj.dtype)
    if op.suffix == "f16":  # neither array.array nor memoryview.cast knows 'e'
        raise TypeError("%s: a float16 result needs a NumPy array or a tensor as the first "
                        "argument, or out=" % op.role)
    code = "f" if op.suffix == "f32" else "d"
    if op.kind == "array":
        return array.array(code, bytes(op.n * _ITEMSIZE[op.suffix]))
    raw = memoryview(bytearray(op.n * _ITEMSIZE[op.suffix]))
    if len(op.shape) == 0:
        return raw.cast(code)
    return raw.cast(code, op.shape) if 0 not in op.shape else raw.cast(code)


def check_pair(a, b):
    if a.suffix != b.suffix:
        raise TypeError("%s is %s but %s is %s; both must have the same element type"
                        % (a.role, a.dtype_name, b.role, b.dtype_name))
    if a.n != b.n:
        raise ValueError("%s has %d elements but %s has %d; they must have the same size"
                         % (a.role, a.n, b.role, b.n))


def is_list(x):
    return isinstance(x, (list, tuple))


def operand_list(stack, xs, role, writable=False):
    """An Operand (entered on stack) for each array of the list xs, named role[i]."""
    ops = []
    for i, x in enumerate(xs):
        if is_list(x):
            raise TypeError("%s[%d]: expected an array or tensor, got a nested %s"
                            % (role, i, type(x).__name__))
        ops.append(stack.enter_context(Operand(x, "%s[%d]" % (role, i), writable)))
    return ops


def check_list_pairs(A, B, roles):
    """Two lists of Operands of the same length, pairwise of one type and size."""
    if len(A) != len(B):
        raise ValueError("%s has %d arrays but %s has %d; the lists must have the same length"
                         % (roles[0], len(A), roles[1], len(B)))
    for x, y in zip(A, B):
        check_pair(x, y)


# ---------------------------------------------------------------- lists at C speed
# Operand costs microseconds per element (a memoryview, a buffer export through ctypes);
# for a list of n arrays that is n times over. plain_list recognises the common case with
# one C-level pass (map) per attribute over the whole list; anything else is left to
# Operand, which raises the errors with their messages.

_dtype_of = attrgetter("dtype")
_size_of = attrgetter("size")
_shape_of = attrgetter("shape")
_layout_of = attrgetter("layout")
_cpu_of = attrgetter("is_cpu")
_grad_of = attrgetter("requires_grad")
# from_buffer takes any writable C-contiguous buffer (0 bytes too) and refuses any other
_ZERO = ctypes.c_char * 0
_address_of = ctypes.addressof
_NUMPY_SUFFIX = {}  # numpy dtype (native byte order) -> suffix, filled on first use


def _numpy_suffix(dt):
    if not _NUMPY_SUFFIX:
        np = _numpy()
        _NUMPY_SUFFIX.update({np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
                              np.dtype(np.float16): "f16"})
    return _NUMPY_SUFFIX.get(dt)


def plain_list(xs, outs=()):
    """``(kind, suffix)`` when every element of ``xs`` is an operand that Operand takes as
    it is, all of one element type: all NumPy arrays (``kind`` ``"numpy"``; addresses()
    then tells whether they are C-contiguous and writable), or all PyTorch tensors, dense,
    on the CPU, contiguous, without a lazy negation/conjugation (``kind`` ``"torch"``),
    those also in ``outs`` not requiring grad; else None."""
    types = set(map(type, xs))
    np, torch = _numpy(), _torch()
    if np is not None and all(issubclass(tp, np.ndarray) for tp in types):
        dts = set(map(_dtype_of, xs))  # C-contiguity: addresses() tells
        if len(dts) != 1:
            return None
        t = _numpy_suffix(dts.pop())
        return None if t is None else ("numpy", t)
    if torch is not None and all(issubclass(tp, torch.Tensor) for tp in types):
        dts = set(map(_dtype_of, xs))
        if len(dts) != 1:
            return None
        t = torch_suffix(dts.pop())
        T = torch.Tensor
        if (t is None or set(map(_layout_of, xs)) != {torch.strided}
                or not all(map(_cpu_of, xs)) or not all(map(T.is_contiguous, xs))
                or any(map(T.is_neg, xs)) or any(map(T.is_conj, xs))
                or any(map(_grad_of, outs))):
            return None
        return "torch", t
    return None


def addresses(kind, xs):
    """The data addresses of the elements of a plain_list, a list of ints; None when a
    NumPy array among them is read-only or not C-contiguous (Operand then takes the
    list: it reads read-only inputs too, and says what is wrong with the others)."""
    if kind == "torch":
        return list(map(_torch().Tensor.data_ptr, xs))
    try:
        return list(map(_address_of, map(_ZERO.from_buffer, xs)))
    except (TypeError, ValueError, BufferError):
        return None


def sizes(kind, xs):
    """The element counts of the elements of a plain_list."""
    if kind == "torch":
        return list(map(_torch().Tensor.numel, xs))
    return list(map(_size_of, xs))


def new_list(kind, xs):
    """new_like of every element of a plain_list."""
    if kind == "torch":
        torch = _torch()
        dt = xs[0].dtype  # one dtype: torch dtypes are singletons
        return [torch.empty(shape, dtype=dt) for shape in map(_shape_of, xs)]
    return list(map(_numpy().empty, map(_shape_of, xs), map(_dtype_of, xs)))
