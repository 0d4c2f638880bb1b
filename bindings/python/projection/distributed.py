"""projection.distributed — a gradient sharded over processes (SPEC §8), from Python.

Each process holds a contiguous part ``[offset, offset + n)`` of both global gradients
(FSDP, ZeRO, a model's parameters split over ranks). It adds its part to a ``Partials``
(exact partial sums, 2048 bytes), the processes all-reduce the partials over
``torch.distributed`` or mpi4py, and each finishes on its own shard:

    import projection.distributed as D

    g = D.alphaless_gradient(noise_shard, model_shard, offset)       # torch.distributed
    g = D.alphaless_gradient(noise_shard, model_shard, offset, comm=MPI.COMM_WORLD)  # mpi4py
    alpha, scale = D.equivalent_alpha(noise_shard, model_shard, offset)

    p = D.Partials().add(noise_shard, model_shard, offset)           # or step by step
    status = D.all_reduce(p)                  # group=... (torch.distributed) or comm=... (mpi4py)
    g = p.alphaless_gradient(noise_shard, model_shard)               # raises on a bad status

Shards and what they give
-------------------------
* A shard is a tensor or array of float32, float64, bfloat16 (tensors) or float16, any
  shape (used flat), or a list of them with their global offsets: ``offset`` is then a
  list (one global index per tensor) or one int (the tensors follow one another from
  there). Tensors must be on the CPU: the library reads host memory (copy CUDA tensors
  with ``.cpu()``; there is no PyTorch fallback here, as the exact partial sums have no
  PyTorch equivalent). ``a`` (noise) and ``b`` (model) are held at the same offsets.
* Shards (and the tensors of a list) whose offsets are multiples of ``BLOCK`` (8192) give
  results **bitwise identical** to the single call on the whole vector (``projection.
  alphaless_gradient(whole_noise, whole_model)``, or the list call on the whole list), for
  any number of processes and any reduction order. A shard at another offset splits the
  blocks it shares with its neighbours, and each piece is summed on its own: the scalars
  (norms, alpha, scale, the coefficient) can then differ from the single call's in their
  last bits, within the same error bound, and the outputs by as much as that coefficient
  moves them. They depend only on where the vector is cut, not on how many processes
  hold the pieces or how the partials are merged (a model split over ranks by whole
  tensors gives the same bits on 1, 2, 3 or 4 ranks).
* The finishing calls write only the local shard, and trust that ``a`` and ``b`` are
  the data that were added.

Errors: every process gets the same outcome
-------------------------------------------
``all_reduce`` returns the same status on every process and never raises for bad data:
``OK``; ``ERR_NONFINITE`` when any shard held NaN or Inf (the flag travels in the
partials); ``ERR_PARTIALS`` when any process's partials were not valid (corrupted bytes,
a failed merge). Invalid partials absorb every merge (they become the invalid all-zero
struct, as in ``projection_mpi.h``), so every process ends with the same bytes. The
finishing methods then raise ``ProjectionError`` with that status on every process, and
write nothing (no output, no in-place input). A process that passes something that is not
a ``Partials`` still takes part (with invalid bytes, so that no other process waits for
it) and raises TypeError after the collective; the one-call functions do the same when a
process's own ``add`` fails (its error is re-raised there, the others get
``ERR_PARTIALS``). Errors of the transport itself (a timeout, a lost peer) are the
transport's exceptions.

The transports
--------------
* ``torch.distributed`` (``group=None``: the default group): gloo has no user-defined
  reduction, so each process all-gathers the 2048-byte structs as a uint8 tensor and
  merges them in rank order (the merge is exact and commutative: every process gets the
  same bytes). The bytes travel as a CPU tensor, or for an NCCL group as a tensor on the
  current CUDA device (not tested here: the test machine has no GPU).
* mpi4py (``comm=``): ``MPI_Allreduce`` with a commutative user operation over a
  contiguous datatype of 2048 bytes, as ``projection_mpi.h`` does in C.

Partials are native-endian bytes: every process must share one byte order.
"""

import contextlib
import ctypes
import operator
import sys

from . import _lib
from ._buffers import Operand, check_list_pairs, new_like, operand_list
from ._buffers import is_list as _is_list
from ._lib import (BLOCK, ERR_NONFINITE, ERR_OVERLAP, ERR_PARTIALS, OK, PARTIALS_SIZE,
                   ProjectionError, check, load_library)

__all__ = [
    "Partials", "all_reduce", "alphaless_gradient", "equivalent_alpha", "order_by_norm",
    "vector_projection", "project_out_smaller", "BLOCK", "PARTIALS_SIZE", "ProjectionError",
    "OK", "ERR_NONFINITE", "ERR_PARTIALS",
]

_U64 = 1 << 64
_INVALID = bytes(PARTIALS_SIZE)  # all zero: what no valid partials ever is


def _library():
    lib = load_library()
    _lib.require("partials", "projection.distributed")
    return lib


def _offset(x, role):
    try:
        v = operator.index(x)
    except TypeError:
        raise TypeError("%s: an offset is an int (the global index of the first element), "
                        "got %s" % (role, type(x).__name__)) from None
    if not 0 <= v < _U64:
        raise ValueError("%s: offset %d is outside [0, 2**64)" % (role, v))
    return v


def _operands(stack, xs, role, writable=False):
    """Operands of one array or of a list of arrays (always a list)."""
    if not _is_list(xs):
        return [stack.enter_context(Operand(xs, role, writable))]
    return operand_list(stack, xs, role, writable)


def _extent(op):
    return (op.ptr, op.ptr + op.n * _lib.ITEMSIZE[op.suffix]) if op.n else None


def _check_overlaps(A, B, O, function):
    """As the library's list functions: out[i] may be exactly a[i] or b[i], and must
    overlap nothing else (another segment's input or output). Each segment is finished
    by its own C call, which checks only its own inputs; this keeps a later segment from
    reading what an earlier one wrote, and nothing is written when it fails."""
    ext = []
    for i, (x, y, o) in enumerate(zip(A, B, O)):
        for op, is_out in ((x, False), (y, False), (o, True)):
            e = _extent(op)
            if e is not None:
                ext.append((e[0], e[1], is_out, i, op))
    if _lib.output_overlaps(ext, in_place=lambda o, x: o[0] == x[0] and o[1] == x[1]):
        raise _lib.error(ERR_OVERLAP, function)


class Partials:
    """``projection_partials``: the exact partial sums a·a, b·b, a·b of the shards added,
    a NaN/Inf flag and a checksum, in ``PARTIALS_SIZE`` (2048) bytes.

    ``Partials()`` is empty (the partials of a vector of no elements). ``add`` a shard,
    ``merge`` another process's partials (or ``all_reduce``), then finish: the scalar
    methods give the global result, the vector methods the local shard of it.
    ``to_bytes``/``from_bytes`` move them over any transport. Equal partials compare equal
    (``==`` compares the bytes)."""

    __slots__ = ("_raw",)

    SIZE = PARTIALS_SIZE
    BLOCK = BLOCK

    def __init__(self):
        self._raw = _lib.Partials()
        _library().projection_partials_init(ctypes.byref(self._raw))

    # ------------------------------------------------------------------ bytes
    @classmethod
    def from_bytes(cls, data, validate=True):
        """Partials from the 2048 bytes ``to_bytes`` gave (any bytes-like object).

        ``validate``: check the bytes now (magic, layout version, checksum) and raise
        ProjectionError(ERR_PARTIALS) if they are not valid partials; with
        ``validate=False`` any 2048 bytes are taken and the check happens at the first
        merge or finishing call (which then refuse them). Partials that carry the NaN/Inf
        flag are valid bytes: ``from_bytes`` accepts them, the finishing calls refuse them."""
        mv = memoryview(data)
        if mv.nbytes != PARTIALS_SIZE:
            raise ValueError("partials are %d bytes, got %d" % (PARTIALS_SIZE, mv.nbytes))
        p = cls.__new__(cls)
        p._raw = _lib.Partials.from_buffer_copy(mv.cast("B") if mv.format != "B" else mv)
        if validate:  # merging into empty partials checks them and changes nothing of them
            st = _library().projection_partials_merge(ctypes.byref(Partials()._raw),
                                                      ctypes.byref(p._raw))
            if st != OK:
                check(st, "Partials.from_bytes")
        return p

    def to_bytes(self):
        """The 2048 bytes (native byte order), to send to other processes."""
        return bytes(self._raw)

    __bytes__ = to_bytes

    def copy(self):
        p = Partials.__new__(Partials)
        p._raw = _lib.Partials.from_buffer_copy(self._raw)
        return p

    def __eq__(self, other):
        if not isinstance(other, Partials):
            return NotImplemented
        return bytes(self._raw) == bytes(other._raw)

    __hash__ = None  # mutable

    def __repr__(self):
        what = {OK: "valid", ERR_NONFINITE: "NaN/Inf flagged"}.get(self.status(), "not valid")
        return "<projection.distributed.Partials: %s>" % what

    # ------------------------------------------------------------------ building
    def add(self, a, b, offset=0):
        """Adds this process's part of the global vectors: ``a`` (noise) and ``b`` (model)
        of the same element type and size, whose first element is element ``offset`` of
        the global vector. Lists: ``offset`` is a list of global offsets, one per tensor,
        or one int (the tensors then follow one another from ``offset``). Each tensor is
        summed as a shard of its own. NaN/Inf is not an error here: it flags the partials
        and the finishing calls refuse them. On error the partials are unchanged.
        Returns ``self``."""
        lib = _library()
        function = "Partials.add"
        with contextlib.ExitStack() as stack:
            A = _operands(stack, a, "a")
            B = _operands(stack, b, "b")
            check_list_pairs(A, B, ("a", "b"))
            if _is_list(offset):
                if not (_is_list(a) and _is_list(b)):
                    raise TypeError("offset is a list but a and b are not lists")
                offs = [_offset(o, "offset[%d]" % i) for i, o in enumerate(offset)]
                if len(offs) != len(A):
                    raise ValueError("offset has %d entries but a has %d arrays"
                                     % (len(offs), len(A)))
            else:
                start = _offset(offset, "offset")
                offs = []
                for x in A:
                    offs.append(start)
                    start += x.n
            work = _lib.Partials.from_buffer_copy(self._raw)  # all or nothing
            for x, y, o in zip(A, B, offs):  # offset + n beyond 2**64: ERR_ARGUMENT
                st = getattr(lib, "projection_partials_add_" + x.suffix)(
                    ctypes.byref(work), x.ptr, y.ptr, x.n, o)
                if st != OK:
                    check(st, function)
            ctypes.memmove(ctypes.byref(self._raw), ctypes.byref(work), PARTIALS_SIZE)
        return self

    def merge(self, other):
        """Adds ``other`` into ``self``, exactly: associative and commutative bit for bit.
        Raises ProjectionError: ERR_PARTIALS if either is not valid, ERR_OVERLAP for
        ``p.merge(p)`` (refused, not doubled). On error ``self`` is unchanged. Returns
        ``self``."""
        if not isinstance(other, Partials):
            raise TypeError("merge: expected Partials, got %s" % type(other).__name__)
        st = _library().projection_partials_merge(ctypes.byref(self._raw),
                                                  ctypes.byref(other._raw))
        if st != OK:
            check(st, "Partials.merge")
        return self

    # ------------------------------------------------------------------ finishing
    def status(self):
        """What every finishing call on these partials returns now: ``OK``,
        ``ERR_NONFINITE`` (a shard held NaN/Inf) or ``ERR_PARTIALS`` (not valid)."""
        return _library().projection_partials_vector_projection_f64(
            ctypes.byref(self._raw), None, None, 0, None)

    def check(self):
        """Raises the ProjectionError every finishing call would raise, if any."""
        st = self.status()
        if st != OK:
            check(st, "Partials")

    def order_by_norm(self):
        """``(swapped, norm_a, norm_b)`` of the global vectors under the 2-norm:
        ``swapped`` is True when ``|a| > |b|`` (the order is then ``(b, a)``)."""
        sw, na, nb = ctypes.c_int(-1), ctypes.c_double(), ctypes.c_double()
        st = _library().projection_partials_order_by_norm(
            ctypes.byref(self._raw), ctypes.byref(sw), ctypes.byref(na), ctypes.byref(nb))
        if st != OK:
            check(st, "Partials.order_by_norm")
        return bool(sw.value), na.value, nb.value

    def equivalent_alpha(self):
        """``(alpha, scale)`` of the global ``(noise, model)`` as floats, as
        ``projection.calculate_equivalent_alpha_and_scaling_factor`` on the whole vectors."""
        al, sc = ctypes.c_double(), ctypes.c_double()
        st = _library().projection_partials_equivalent_alpha(
            ctypes.byref(self._raw), ctypes.byref(al), ctypes.byref(sc))
        if st != OK:
            check(st, "Partials.equivalent_alpha")
        return al.value, sc.value

    def _vector(self, op, a, b, out, roles):
        lib = _library()
        function = "Partials." + op
        listed = _is_list(a) or _is_list(b)
        with contextlib.ExitStack() as stack:
            A = _operands(stack, a, roles[0])
            B = _operands(stack, b, roles[1])
            if listed and not (_is_list(a) and _is_list(b)):
                raise TypeError("%s and %s: both lists, or neither" % roles)
            check_list_pairs(A, B, roles)
            if out is None:
                result = [new_like(x) for x in A] if listed else new_like(A[0])
            else:
                if listed != _is_list(out):
                    raise TypeError("out: a list for list arguments, an array otherwise")
                result = out
            O = _operands(stack, result, "out", writable=True)
            if out is not None:
                check_list_pairs(A, O, (roles[0], "out"))
            # Every check before the first write: the partials, then the overlaps.
            st = self.status()
            if st != OK:
                check(st, function)
            if listed:
                _check_overlaps(A, B, O, function)
            for x, y, o in zip(A, B, O):
                st = getattr(lib, "projection_partials_%s_%s" % (op, x.suffix))(
                    ctypes.byref(self._raw), x.ptr, y.ptr, x.n, o.ptr)
                if st != OK:
                    check(st, function)
        return result

    def vector_projection(self, a, b, out=None):
        """The local shard of ``(a·b / b·b) b`` of the global vectors (a new array of
        ``a``'s kind, or ``out``; lists give lists)."""
        return self._vector("vector_projection", a, b, out, ("a", "b"))

    def project_out_smaller(self, a, b, out=None):
        """The local shard of ``L - (L·S / S·S) S``, ``(S, L)`` the 2-norm order of the
        global vectors."""
        return self._vector("project_out_smaller", a, b, out, ("a", "b"))

    def alphaless_gradient(self, noise_grad, model_grad, out=None):
        """The local shard of the alphaless gradient ``L + (1 - k) S`` of the global
        gradients. ``out`` may be exactly ``noise_grad`` or ``model_grad`` (in place)."""
        return self._vector("alphaless_gradient", noise_grad, model_grad, out,
                            ("noise_grad", "model_grad"))


def _merge_all(structs):
    """The merge of a list of 2048-byte structs (bytes or addresses), in order, as bytes;
    the invalid (all zero) struct as soon as one of them is not valid or a merge fails:
    invalidity absorbs everything. Each merge checks both its operands; a single struct
    is checked on its own."""
    lib = _library()
    acc, item = _lib.Partials(), _lib.Partials()
    ctypes.memmove(ctypes.byref(acc), structs[0], PARTIALS_SIZE)
    if len(structs) == 1:
        st = lib.projection_partials_vector_projection_f64(ctypes.byref(acc), None, None, 0, None)
        return _INVALID if st == ERR_PARTIALS else bytes(acc)
    for s in structs[1:]:
        ctypes.memmove(ctypes.byref(item), s, PARTIALS_SIZE)
        if lib.projection_partials_merge(ctypes.byref(acc), ctypes.byref(item)) != OK:
            return _INVALID
    return bytes(acc)


def _install(p, data):
    if isinstance(p, Partials):
        ctypes.memmove(ctypes.byref(p._raw), data, PARTIALS_SIZE)


def _own_bytes(p):
    return p.to_bytes() if isinstance(p, Partials) else _INVALID


def _after(p, function):
    """The status every process gets, from the merged bytes now in ``p``; a TypeError on
    the process that passed no Partials (after it took part)."""
    if not isinstance(p, Partials):
        raise TypeError("%s: expected Partials, got %s (this process took part with invalid "
                        "partials: the others get ERR_PARTIALS)" % (function, type(p).__name__))
    return p.status()


# ====================================================================== torch.distributed

def _torch_all_reduce(p, group):
    torch = sys.modules.get("torch")
    if torch is None:
        import torch
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError("all_reduce: torch.distributed is not initialized "
                           "(call torch.distributed.init_process_group first)")
    world = dist.get_world_size(group)
    if world < 1 or dist.get_rank(group) < 0:  # torch's collectives do nothing there
        raise RuntimeError("all_reduce: this process is not a member of the group")
    mine = _own_bytes(p)
    if world > 1:
        device = torch.device("cpu")
        if dist.get_backend(group) == "nccl":  # NCCL moves CUDA tensors only
            device = torch.device("cuda", torch.cuda.current_device())
        src = torch.empty(PARTIALS_SIZE, dtype=torch.uint8)
        ctypes.memmove(src.data_ptr(), mine, PARTIALS_SIZE)
        rows = torch.empty((world, PARTIALS_SIZE), dtype=torch.uint8, device=device)
        if device.type != "cpu":
            src = src.to(device)
        dist.all_gather(list(rows.unbind(0)), src, group=group)
        if device.type != "cpu":
            rows = rows.cpu()
        base = rows.data_ptr()  # a new tensor: contiguous
        merged = _merge_all([base + r * PARTIALS_SIZE for r in range(world)])
    else:
        merged = _merge_all([mine])
    _install(p, merged)
    return _after(p, "all_reduce")


# ====================================================================== mpi4py

_MPI_HANDLES = None


def _mpi_merge(inbuf, inoutbuf, datatype=None):
    """The MPI user operation: inout[i] = merge(inout[i], in[i]) for each 2048-byte struct
    of the buffers; an invalid operand or a failed merge gives the invalid (all zero)
    struct. Never raises (an exception cannot cross MPI)."""
    out = memoryview(inoutbuf).cast("B")
    try:
        src = memoryview(inbuf).cast("B")
        lib = _library()
        into, frm = _lib.Partials(), _lib.Partials()
        for i in range(out.nbytes // PARTIALS_SIZE):
            lo, hi = i * PARTIALS_SIZE, (i + 1) * PARTIALS_SIZE
            ctypes.memmove(ctypes.byref(into), bytes(out[lo:hi]), PARTIALS_SIZE)
            ctypes.memmove(ctypes.byref(frm), bytes(src[lo:hi]), PARTIALS_SIZE)
            if lib.projection_partials_merge(ctypes.byref(into), ctypes.byref(frm)) == OK:
                out[lo:hi] = bytes(into)
            else:
                out[lo:hi] = _INVALID
    except BaseException:  # pragma: no cover - defensive: poison the result, never raise
        out[:] = bytes(out.nbytes)


def _mpi_handles(MPI):
    """(datatype, op), created once per process and freed before MPI_Finalize."""
    global _MPI_HANDLES
    if _MPI_HANDLES is None:
        dtype = MPI.BYTE.Create_contiguous(PARTIALS_SIZE)
        dtype.Commit()
        op = MPI.Op.Create(_mpi_merge, commute=True)
        _MPI_HANDLES = (dtype, op)
        import atexit

        def free():
            global _MPI_HANDLES
            if _MPI_HANDLES is not None and not MPI.Is_finalized():
                _MPI_HANDLES[1].Free()
                _MPI_HANDLES[0].Free()
            _MPI_HANDLES = None
        atexit.register(free)  # runs before mpi4py's own MPI_Finalize at exit
    return _MPI_HANDLES


def _mpi_all_reduce(p, comm):
    MPI = sys.modules.get("mpi4py.MPI")
    if MPI is None:
        from mpi4py import MPI
    dtype, op = _mpi_handles(MPI)
    buf = bytearray(_own_bytes(p))
    comm.Allreduce(MPI.IN_PLACE, [buf, 1, dtype], op)
    # On one process MPI calls no operation, so the struct is checked here: an invalid one
    # becomes the invalid marker, as a merge makes it on more processes.
    _install(p, _merge_all([bytes(buf)]))
    return _after(p, "all_reduce")


# ====================================================================== the collective

def all_reduce(partials, group=None, *, comm=None):
    """All-reduces ``partials`` in place over every process of the group (a collective:
    every process calls it); afterwards every process holds the same bytes, the merge of
    all processes' partials. Returns the status every finishing call will now return, the
    same on every process: ``OK``, ``ERR_NONFINITE`` or ``ERR_PARTIALS`` (see the module
    docstring). Never raises for bad data; raises TypeError after taking part if
    ``partials`` is not a Partials.

    ``group``: a ``torch.distributed`` process group (None: the default group);
    ``comm``: an mpi4py communicator instead (then ``group`` must be None)."""
    if comm is not None:
        if group is not None:
            raise ValueError("all_reduce: give a torch.distributed group or an mpi4py comm, "
                             "not both")
        return _mpi_all_reduce(partials, comm)
    return _torch_all_reduce(partials, group)


# ====================================================================== one call

def _reduced(noise_grad, model_grad, offset, group, comm):
    """Partials of the local shard, all-reduced. A process whose own add fails still
    takes part (with invalid partials, so the others get ERR_PARTIALS) and then raises
    its own error."""
    p = Partials()
    local_error = None
    try:
        p.add(noise_grad, model_grad, offset)
    except Exception as e:  # noqa: BLE001 - re-raised below, after the collective
        local_error = e
        ctypes.memset(ctypes.byref(p._raw), 0, PARTIALS_SIZE)
    all_reduce(p, group, comm=comm)
    if local_error is not None:
        raise local_error
    return p


def alphaless_gradient(noise_grad, model_grad, offset=0, *, group=None, comm=None, out=None):
    """This process's shard of the alphaless gradient of the global gradients: adds the
    local shard (``offset``: its global index; lists as in ``Partials.add``), all-reduces
    over ``group`` (torch.distributed) or ``comm`` (mpi4py), and finishes on the shard.
    A collective. Raises ProjectionError (ERR_NONFINITE, ERR_PARTIALS) on every process
    alike, writing nothing."""
    p = _reduced(noise_grad, model_grad, offset, group, comm)
    return p.alphaless_gradient(noise_grad, model_grad, out)


def vector_projection(a, b, offset=0, *, group=None, comm=None, out=None):
    """This process's shard of the projection of the global ``a`` onto the global ``b``."""
    p = _reduced(a, b, offset, group, comm)
    return p.vector_projection(a, b, out)


def project_out_smaller(a, b, offset=0, *, group=None, comm=None, out=None):
    """This process's shard of ``L - proj(L, S)`` of the global vectors."""
    p = _reduced(a, b, offset, group, comm)
    return p.project_out_smaller(a, b, out)


def equivalent_alpha(noise_grad, model_grad, offset=0, *, group=None, comm=None):
    """``(alpha, scale)`` of the global gradients (floats, the same on every process)."""
    return _reduced(noise_grad, model_grad, offset, group, comm).equivalent_alpha()


def order_by_norm(a, b, offset=0, *, group=None, comm=None):
    """``(swapped, norm_a, norm_b)`` of the global vectors (2-norm), on every process."""
    return _reduced(a, b, offset, group, comm).order_by_norm()
