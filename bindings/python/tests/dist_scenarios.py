"""The scenarios of test_distributed.py, run on every process of a group (torch.distributed
with gloo in forked processes, or mpi4py under mpirun): each process builds the same
deterministic global vectors, computes the single calls on the whole vectors itself (the
common reference), adds its own shard, all-reduces and finishes, and checks its results
against that reference. ``run`` returns what the test process compares across processes
and across group sizes; it never raises for a failed check (the failures are returned),
so that every process reaches every collective.

Scenarios (shards at multiples of BLOCK unless said otherwise):

  aligned/<dtype>     contiguous shards of a vector of 5 blocks and a ragged end:
                      norms, order, alpha, scale and the three vector operations on the
                      shard bitwise the single call's; the one-call functions too
  empty-rank          the same with rank 0 holding no elements
  group               the default group, and an explicit group of every rank
  list-aligned/<dt>   a list of tensors (a model's parameters) at block-multiple global
                      offsets, each rank holding some whole tensors (offsets as a list):
                      bitwise the list call's (projection.alphaless_gradient(list, list))
  list-ragged         tensors of arbitrary lengths (offsets as one int: they follow one
                      another): within the error bound of the list call, and the scalars
                      bitwise the same for any number of processes (returned)
  nonfinite           NaN in the last rank's shard: all_reduce gives ERR_NONFINITE and every
                      finishing call and one-call function raises it on every rank; nothing
                      written (outputs and in-place inputs keep their sentinels)
  inf-list            +Inf in the last rank's last tensor of a list, one-call function
  corrupt             rank 0 flips a byte of its partials after adding: ERR_PARTIALS on
                      every rank, the merged struct is the all-zero invalid one everywhere
  not-partials        rank 0 passes None: TypeError there, ERR_PARTIALS elsewhere
  add-error           rank 0's shard has mismatched sizes in a one-call function:
                      ValueError there, ERR_PARTIALS elsewhere
"""

import ctypes
import hashlib
import struct
import traceback

import numpy as np

import projection as P
import projection.distributed as D
from projection import _core
from projection._buffers import Operand

BLOCK = D.BLOCK
N = 5 * BLOCK + 777          # several blocks and a ragged end (below the threading threshold)
OPS = (("vector_projection", "vector_projection"),
       ("project_out_smaller", "project_out_smaller_tensor"),
       ("alphaless_gradient", "alphaless_gradient"))
SENTINEL = 7.0
LIST_ALIGNED = [(2, BLOCK), (BLOCK,), (3, BLOCK), (1234,)]     # offsets 0, 2B, 3B, 6B
LIST_RAGGED = [(1000,), (50, 100), (9000,), (3 * BLOCK + 17,), (77,)]


class Kind:
    """Arrays of one library: torch tensors (float32, float64, bfloat16, float16) or NumPy
    arrays (float32, float64, float16)."""

    def __init__(self, name):
        self.name = name
        if name == "torch":
            import torch
            self.torch = torch
            self.dtypes = {"float32": torch.float32, "float64": torch.float64,
                           "bfloat16": torch.bfloat16, "float16": torch.float16}
        else:
            self.dtypes = {"float32": np.float32, "float64": np.float64, "float16": np.float16}

    def pair(self, dtype, shape, seed):
        rng = np.random.default_rng(seed)
        n = int(np.prod(shape))
        x = rng.standard_normal(n)
        y = 0.8 * rng.standard_normal(n) + 0.3 * x
        if self.name == "torch":
            t = self.dtypes[dtype]
            return (self.torch.from_numpy(x).to(t).reshape(shape),
                    self.torch.from_numpy(y).to(t).reshape(shape))
        t = self.dtypes[dtype]
        return x.astype(t).reshape(shape), y.astype(t).reshape(shape)

    def raw(self, x):
        if self.name == "torch":
            n = x.numel() * x.element_size()
            return ctypes.string_at(x.data_ptr(), n) if n else b""
        return np.ascontiguousarray(x).tobytes()

    def full_like(self, x, v):
        if self.name == "torch":
            return self.torch.full_like(x, v)
        return np.full_like(x, v)

    def clone(self, x):
        return x.clone() if self.name == "torch" else x.copy()

    def set(self, x, i, v):
        if self.name == "torch":
            x.view(-1)[i] = v
        else:
            x.reshape(-1)[i] = v

    def f64(self, x):
        if self.name == "torch":
            return x.double().reshape(-1).numpy()
        return x.astype(np.float64).reshape(-1)


def bits(*xs):
    return struct.pack("<%dd" % len(xs), *[float(x) for x in xs]).hex()


def ref_norms(a, b):
    """(swapped, norm_a, norm_b) of the single call (or the list call) under the 2-norm."""
    if isinstance(a, list):
        A = [Operand(x, "a") for x in a]
        B = [Operand(y, "b") for y in b]
        try:
            return _core.order_many("list", A[0].suffix, [x.ptr for x in A],
                                    [y.ptr for y in B], [x.n for x in A], 2.0, "ref",
                                    norms=True)
        finally:
            for o in A + B:
                o.release()
    with Operand(a, "a") as A, Operand(b, "b") as B:
        return _core.order(A.suffix, A.ptr, B.ptr, A.n, 2.0, "ref", norms=True)


def cuts(n, world, empty_first=False):
    """Shard boundaries at multiples of BLOCK (the last at n)."""
    nb = -(-n // BLOCK)
    c = [min(n, BLOCK * (i * nb // world)) for i in range(world + 1)]
    if empty_first and world > 1:
        c[1] = 0
    c[-1] = n
    return c


def owners(count, world):
    return [i * world // count for i in range(count)]


def offsets(shapes):
    out, at = [], 0
    for s in shapes:
        out.append(at)
        at += int(np.prod(s))
    return out


class Run:
    def __init__(self, rank, world, kind, kw):
        self.rank, self.world, self.kind, self.kw = rank, world, Kind(kind), kw
        self.failures = []
        self.results = {}   # scenario -> what must be equal for any number of processes
        self.merged = {}    # scenario -> sha256 of the merged partials (equal across ranks)
        self.tensors = {}   # "scenario op/i" -> sha256 of tensor i's output, on its owner
        self.where = ""

    def fail(self, msg):
        self.failures.append("[world %d rank %d] %s: %s" % (self.world, self.rank, self.where, msg))

    def expect(self, cond, msg):
        if not cond:
            self.fail(msg)

    def expect_raises(self, status, f, what):
        try:
            f()
        except P.ProjectionError as e:
            self.expect(e.status == status, "%s raised status %d, not %d" % (what, e.status, status))
            return
        except Exception as e:  # noqa: BLE001
            self.fail("%s raised %r, not ProjectionError(%d)" % (what, e, status))
            return
        self.fail("%s did not raise ProjectionError(%d)" % (what, status))

    def scenario(self, name, f, *args):
        self.where = name
        try:
            f(*args)
        except Exception:  # noqa: BLE001 - reported, the other scenarios still run
            self.fail("unexpected exception:\n" + traceback.format_exc())

    # ------------------------------------------------------------------ checks
    def finish_and_compare(self, p, la, lb, A, B, ref_slice):
        """Every finishing call on the local shard against the single call on (A, B)."""
        K = self.kind
        sw, na, nb = p.order_by_norm()
        rsw, rna, rnb = ref_norms(A, B)
        self.expect((sw, bits(na, nb)) == (rsw, bits(rna, rnb)),
                    "order_by_norm %r != single call %r" % ((sw, na, nb), (rsw, rna, rnb)))
        al, sc = p.equivalent_alpha()
        ral, rsc = P.calculate_equivalent_alpha_and_scaling_factor(A, B)
        self.expect(bits(al, sc) == bits(ral, rsc),
                    "alpha, scale %r != single call %r" % ((al, sc), (ral, rsc)))
        for op, pyname in OPS:
            got = getattr(p, op)(la, lb)
            want = ref_slice(getattr(P, pyname)(A, B))
            if isinstance(got, list):
                same = [K.raw(g) == K.raw(w) for g, w in zip(got, want)] == [True] * len(want)
            else:
                same = K.raw(got) == K.raw(want)
            self.expect(same, "%s on the shard is not bitwise the single call's" % op)
        return bits(al, sc, na, nb, sw)

    # ------------------------------------------------------------------ scenarios
    def aligned(self, dtype, empty_first=False, group_kw=None):
        K, kw = self.kind, dict(self.kw if group_kw is None else group_kw)
        A, B = K.pair(dtype, (N,), 11)
        c = cuts(N, self.world, empty_first)
        lo, hi = c[self.rank], c[self.rank + 1]
        la, lb = A[lo:hi], B[lo:hi]
        p = D.Partials().add(la, lb, lo)
        st = D.all_reduce(p, **kw)
        self.expect(st == P.OK, "all_reduce returned %d" % st)
        self.merged[self.where] = hashlib.sha256(p.to_bytes()).hexdigest()
        r = self.finish_and_compare(p, la, lb, A, B, lambda x: x[lo:hi])
        # the one-call functions
        g = D.alphaless_gradient(la, lb, lo, **kw)
        self.expect(K.raw(g) == K.raw(P.alphaless_gradient(A, B)[lo:hi]),
                    "D.alphaless_gradient is not bitwise the single call's")
        out = K.full_like(la, SENTINEL)
        self.expect(D.alphaless_gradient(la, lb, lo, out=out, **kw) is out, "out= not returned")
        self.expect(K.raw(out) == K.raw(g), "D.alphaless_gradient(out=) differs")
        self.expect(bits(*D.equivalent_alpha(la, lb, lo, **kw)) == bits(*p.equivalent_alpha()),
                    "D.equivalent_alpha differs")
        self.expect(D.order_by_norm(la, lb, lo, **kw) == p.order_by_norm(),
                    "D.order_by_norm differs")
        for op, pyname in (("vector_projection", "vector_projection"),
                           ("project_out_smaller", "project_out_smaller_tensor")):
            got = getattr(D, op)(la, lb, lo, **kw)
            self.expect(K.raw(got) == K.raw(getattr(P, pyname)(A, B)[lo:hi]), "D.%s differs" % op)
        # in place: out is exactly the noise shard
        mine = K.clone(la)
        p.alphaless_gradient(mine, lb, out=mine)
        self.expect(K.raw(mine) == K.raw(g), "in-place alphaless_gradient differs")
        self.results[self.where] = r

    def list_case(self, dtype, shapes, aligned, as_list_offsets):
        K = self.kind
        pairs = [K.pair(dtype, s, 100 + i) for i, s in enumerate(shapes)]
        A, B = [x for x, _ in pairs], [y for _, y in pairs]
        offs = offsets(shapes)
        own = owners(len(shapes), self.world)
        mine = [i for i in range(len(shapes)) if own[i] == self.rank]
        la, lb = [A[i] for i in mine], [B[i] for i in mine]
        off = [offs[i] for i in mine] if as_list_offsets else (offs[mine[0]] if mine else 0)
        p = D.Partials().add(la, lb, off)
        st = D.all_reduce(p, **self.kw)
        self.expect(st == P.OK, "all_reduce returned %d" % st)
        self.merged[self.where] = hashlib.sha256(p.to_bytes()).hexdigest()
        if aligned:
            r = self.finish_and_compare(p, la, lb, A, B, lambda xs: [xs[i] for i in mine])
            g = D.alphaless_gradient(la, lb, off, **self.kw)
            want = P.alphaless_gradient(A, B)
            self.expect([K.raw(x) for x in g] == [K.raw(want[i]) for i in mine],
                        "D.alphaless_gradient on a list is not bitwise the list call's")
            self.results[self.where] = r
            return
        # unaligned: within the bound, and the same bits for any number of processes
        al, sc = p.equivalent_alpha()
        ral, rsc = P.calculate_equivalent_alpha_and_scaling_factor(A, B)
        self.expect(abs(al - ral) <= 1e-12 * abs(ral) and abs(sc - rsc) <= 1e-12 * abs(rsc),
                    "alpha, scale %r too far from the list call's %r" % ((al, sc), (ral, rsc)))
        sw, na, nb = p.order_by_norm()
        rsw, rna, rnb = ref_norms(A, B)
        self.expect(sw == rsw and abs(na - rna) <= 1e-12 * rna and abs(nb - rnb) <= 1e-12 * rnb,
                    "norms too far from the list call's")
        eps = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "bfloat16": 2.0 ** -7,
               "float16": 2.0 ** -10}[dtype]
        for op, pyname in OPS:
            got = getattr(p, op)(la, lb)
            want = getattr(P, pyname)(A, B)
            for g, i in zip(got, mine):
                big = max(np.abs(K.f64(want[i])).max(), np.abs(K.f64(A[i])).max(),
                          np.abs(K.f64(B[i])).max())
                err = np.abs(K.f64(g) - K.f64(want[i])).max()
                self.expect(err <= 2 * eps * big, "%s tensor %d: error %g > bound %g"
                            % (op, i, err, 2 * eps * big))
                self.tensors["%s %s/%d" % (self.where, op, i)] = hashlib.sha256(K.raw(g)).hexdigest()
        self.results[self.where] = bits(al, sc, na, nb, sw)

    def nonfinite(self):
        K = self.kind
        A, B = K.pair("float32", (N,), 11)
        c = cuts(N, self.world)
        lo_last = c[self.world - 1]
        K.set(A, lo_last + 3, float("nan"))   # in the last rank's shard
        lo, hi = c[self.rank], c[self.rank + 1]
        la, lb = A[lo:hi], B[lo:hi]
        p = D.Partials().add(la, lb, lo)      # add itself succeeds
        st = D.all_reduce(p, **self.kw)
        self.expect(st == P.ERR_NONFINITE, "all_reduce returned %d, not ERR_NONFINITE" % st)
        self.expect(p.status() == P.ERR_NONFINITE, "status() is %d" % p.status())
        self.merged[self.where] = hashlib.sha256(p.to_bytes()).hexdigest()
        before_a, before_b = K.raw(la), K.raw(lb)
        self.expect_raises(P.ERR_NONFINITE, p.order_by_norm, "order_by_norm")
        self.expect_raises(P.ERR_NONFINITE, p.equivalent_alpha, "equivalent_alpha")
        for op, _ in OPS:
            out = K.full_like(la, SENTINEL)
            keep = K.raw(out)
            self.expect_raises(P.ERR_NONFINITE, lambda: getattr(p, op)(la, lb, out=out), op)
            self.expect(K.raw(out) == keep, "%s wrote its output" % op)
            self.expect_raises(P.ERR_NONFINITE, lambda: getattr(p, op)(la, lb, out=la),
                               op + " in place")
        self.expect(K.raw(la) == before_a and K.raw(lb) == before_b, "an input was written")
        out = K.full_like(la, SENTINEL)
        keep = K.raw(out)
        self.expect_raises(P.ERR_NONFINITE,
                           lambda: D.alphaless_gradient(la, lb, lo, out=out, **self.kw),
                           "D.alphaless_gradient")
        self.expect(K.raw(out) == keep, "D.alphaless_gradient wrote its output")
        self.expect_raises(P.ERR_NONFINITE, lambda: D.equivalent_alpha(la, lb, lo, **self.kw),
                           "D.equivalent_alpha")
        self.results[self.where] = "nonfinite"

    def inf_list(self):
        K = self.kind
        pairs = [K.pair("float32", s, 100 + i) for i, s in enumerate(LIST_ALIGNED)]
        A, B = [x for x, _ in pairs], [y for _, y in pairs]
        K.set(B[-1], 5, float("inf"))
        offs = offsets(LIST_ALIGNED)
        own = owners(len(A), self.world)
        mine = [i for i in range(len(A)) if own[i] == self.rank]
        la, lb = [A[i] for i in mine], [B[i] for i in mine]
        outs = [K.full_like(x, SENTINEL) for x in la]
        keep = [K.raw(o) for o in outs]
        self.expect_raises(P.ERR_NONFINITE, lambda: D.alphaless_gradient(
            la, lb, [offs[i] for i in mine], out=outs, **self.kw), "D.alphaless_gradient(list)")
        self.expect([K.raw(o) for o in outs] == keep, "an output of the list was written")
        self.results[self.where] = "nonfinite"

    def corrupt(self):
        K = self.kind
        A, B = K.pair("float64", (N,), 12)
        c = cuts(N, self.world)
        lo, hi = c[self.rank], c[self.rank + 1]
        la, lb = A[lo:hi], B[lo:hi]
        p = D.Partials().add(la, lb, lo)
        if self.rank == 0:
            raw = (ctypes.c_ubyte * D.PARTIALS_SIZE).from_buffer(p._raw)
            raw[200] ^= 0x10
            self.expect(p.status() == P.ERR_PARTIALS, "the flipped byte went unnoticed")
        st = D.all_reduce(p, **self.kw)
        self.expect(st == P.ERR_PARTIALS, "all_reduce returned %d, not ERR_PARTIALS" % st)
        self.expect(p.to_bytes() == bytes(D.PARTIALS_SIZE),
                    "the merged struct is not the all-zero invalid one")
        self.merged[self.where] = hashlib.sha256(p.to_bytes()).hexdigest()
        self.expect_raises(P.ERR_PARTIALS, p.order_by_norm, "order_by_norm")
        self.expect_raises(P.ERR_PARTIALS, p.equivalent_alpha, "equivalent_alpha")
        for op, _ in OPS:
            out = K.full_like(la, SENTINEL)
            keep = K.raw(out)
            self.expect_raises(P.ERR_PARTIALS, lambda: getattr(p, op)(la, lb, out=out), op)
            self.expect(K.raw(out) == keep, "%s wrote its output" % op)
        # a corrupted struct received as bytes: refused by from_bytes (checked) or later
        bad = bytearray(D.Partials().add(la, lb, lo).to_bytes())
        bad[-1] ^= 0xFF
        self.expect_raises(P.ERR_PARTIALS, lambda: D.Partials.from_bytes(bytes(bad)),
                           "from_bytes")
        q = D.Partials.from_bytes(bytes(bad), validate=False)
        self.expect_raises(P.ERR_PARTIALS, lambda: D.Partials().merge(q), "merge")
        self.results[self.where] = "partials"

    def not_partials(self):
        p = None if self.rank == 0 else D.Partials()
        try:
            st = D.all_reduce(p, **self.kw)
        except TypeError:
            self.expect(self.rank == 0, "TypeError on a rank that passed Partials")
        else:
            self.expect(self.rank != 0, "no TypeError on the rank that passed None")
            self.expect(st == P.ERR_PARTIALS, "all_reduce returned %d, not ERR_PARTIALS" % st)
        self.results[self.where] = "partials"

    def add_error(self):
        K = self.kind
        A, B = K.pair("float32", (N,), 13)
        c = cuts(N, self.world)
        lo, hi = c[self.rank], c[self.rank + 1]
        la, lb = A[lo:hi], B[lo:hi]
        if self.rank == 0:
            lb = lb[:-1]  # one element too few
        try:
            D.alphaless_gradient(la, lb, lo, **self.kw)
        except P.ProjectionError as e:
            self.expect(self.rank != 0 and e.status == P.ERR_PARTIALS,
                        "ProjectionError(%d) on rank %d" % (e.status, self.rank))
        except ValueError as e:
            self.expect(self.rank == 0 and "same size" in str(e), "ValueError %s" % e)
        else:
            self.fail("no error")
        self.results[self.where] = "partials"


def run(rank, world, kind, kw, extra_group_kw=None):
    """Every scenario on this process; returns {failures, results, merged, tensors}."""
    r = Run(rank, world, kind, kw)
    for dtype in r.kind.dtypes:
        r.scenario("aligned/" + dtype, r.aligned, dtype)
    r.scenario("empty-rank", r.aligned, "float32", True)
    if extra_group_kw is not None:
        r.scenario("group", r.aligned, "float64", False, extra_group_kw)
    for dtype in ("float32", "bfloat16" if "bfloat16" in r.kind.dtypes else "float64"):
        r.scenario("list-aligned/" + dtype, r.list_case, dtype, LIST_ALIGNED, True, True)
    r.scenario("list-ragged", r.list_case, "float32", LIST_RAGGED, False, False)
    r.scenario("nonfinite", r.nonfinite)
    r.scenario("inf-list", r.inf_list)
    r.scenario("corrupt", r.corrupt)
    r.scenario("not-partials", r.not_partials)
    r.scenario("add-error", r.add_error)
    return {"failures": r.failures, "results": r.results, "merged": r.merged,
            "tensors": r.tensors}
