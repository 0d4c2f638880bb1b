"""The buffer API's lists at C speed (``import projection``): long lists of NumPy arrays
(and of tensors), empty ones among them, against the single calls; and the fast path
against the Operand path it stands for — every case run with the fast path and with it
switched off must give the same results bit for bit, or the same error and message."""

import array
import math

import numpy as np
import pytest

import projection as P

pytestmark = pytest.mark.skipif(not P.has("list") or not P.has("each"),
                                reason="the library has no list functions")

DTYPES = [np.float32, np.float64, np.float16]
SHAPES = [[(0,), (), (3, 4), (17,), (2, 0, 3), (1, 5, 1), (64,)][i % 7] for i in range(101)]
BAD = 93  # a (3, 4) array
VECTOR = [P.vector_projection, P.project_out_smaller_tensor, P.alphaless_gradient]


def rand_list(dtype, seed, scale=1.0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [np.asarray(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def same(x, y):
    if isinstance(x, np.ndarray):
        assert type(x) is type(y) and x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()
    elif isinstance(x, (list, tuple)):
        assert type(x) is type(y) and len(x) == len(y)
        for u, v in zip(x, y):
            same(u, v)
    elif type(x).__module__.startswith("torch"):  # a tensor result (a tensor came first)
        import torch
        assert type(x) is type(y) and x.dtype == y.dtype and x.shape == y.shape
        assert torch.equal(x.reshape(-1).view(torch.uint8), y.reshape(-1).view(torch.uint8))
    elif isinstance(x, float) and math.isnan(x):
        assert math.isnan(y)
    else:
        assert type(x) is type(y) and x == y


def outcome(f):
    try:
        return "ok", f()
    except Exception as e:  # noqa: BLE001 - the type and message are compared
        return "raised", (type(e), str(e))


@pytest.fixture
def twice(monkeypatch):
    """make() -> (call, written): the call with the fast path, then with it off; the
    results, exceptions and the bytes of `written` must agree."""
    def run(make, fast_expected=None):
        taken = []
        orig = P._fast_lists

        def spy(*a, **k):
            r = orig(*a, **k)
            taken.append(r is not None)
            return r
        monkeypatch.setattr(P, "_fast_lists", spy)
        call, written = make()
        got = outcome(call)
        got_w = [np.asarray(w).tobytes() for w in written]
        monkeypatch.setattr(P, "_fast_lists", lambda *a, **k: None)
        call, written = make()
        want = outcome(call)
        want_w = [np.asarray(w).tobytes() for w in written]
        monkeypatch.setattr(P, "_fast_lists", orig)
        assert got[0] == want[0], (got, want)
        if got[0] == "raised":
            assert got[1] == want[1]
        else:
            same(got[1], want[1])
        assert got_w == want_w
        if fast_expected is not None:
            assert taken and all(t == fast_expected for t in taken), taken
        return got
    return run


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_lists_are_bitwise_the_single_calls(dtype):
    A, B = rand_list(dtype, 1), rand_list(dtype, 2, 1.5)
    ca = np.concatenate([x.ravel() for x in A])
    cb = np.concatenate([x.ravel() for x in B])
    for fn in VECTOR:
        got = fn(A, B)
        assert [g.shape for g in got] == [x.shape for x in A]
        assert np.concatenate([g.ravel() for g in got]).tobytes() == fn(ca, cb).tobytes()
        for g, x, y in zip(fn(A, B, each=True), A, B):
            assert g.tobytes() == fn(x, y).tobytes()
        out = [np.full_like(x, 42) for x in A]
        assert fn(A, B, out=out, each=True) is out
        same(out, fn(A, B, each=True))
        a, b = [x.copy() for x in A], tuple(y.copy() for y in B)
        assert fn(a, b, out=a) is a  # in place
        same(a, got)
    assert P.calculate_equivalent_alpha_and_scaling_factor(A, B) == \
        P.calculate_equivalent_alpha_and_scaling_factor(ca, cb)
    al, sc = P.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True)
    assert (al, sc) == tuple(map(list, zip(*[
        P.calculate_equivalent_alpha_and_scaling_factor(x, y) for x, y in zip(A, B)])))
    for ord in (2, 1, math.inf, 0):
        s, _ = P.order_tensors_by_norm(A, B, ord=ord)
        assert (s is A) == (P.order_tensors_by_norm(ca, cb, ord=ord)[0] is ca)
        pairs = P.order_tensors_by_norm(A, B, ord=ord, each=True)
        assert all(p[0] is P.order_tensors_by_norm(x, y, ord=ord)[0]
                   for p, x, y in zip(pairs, A, B))


def test_plain_lists_take_the_fast_path(twice):
    for dtype in DTYPES:
        for each in (False, True):
            for fn in VECTOR:
                twice(lambda: ((lambda: fn(rand_list(dtype, 5), rand_list(dtype, 6),
                                           each=each)), []), fast_expected=True)

                def with_out():
                    out = [np.zeros_like(x) for x in rand_list(dtype, 7)]
                    return (lambda: fn(rand_list(dtype, 5), rand_list(dtype, 6), out=out,
                                       each=each)), out
                twice(with_out, fast_expected=True)
            twice(lambda: ((lambda: P.calculate_equivalent_alpha_and_scaling_factor(
                rand_list(dtype, 5), rand_list(dtype, 6), each=each)), []), fast_expected=True)
            A, B = rand_list(dtype, 5), rand_list(dtype, 6)
            twice(lambda: ((lambda: P.order_tensors_by_norm(A, B, ord=1, each=each)), []),
                  fast_expected=True)


def _spoil(kind, A, B, out):
    x = A[BAD]
    if kind == "non-array a":
        A[BAD] = 1.0
    elif kind == "non-array out":
        out[BAD] = "x"
    elif kind == "nested":
        B[BAD] = [B[BAD]]
    elif kind == "dtype":
        A[BAD], B[BAD] = x.astype(np.float64 if x.dtype != np.float64 else np.float32), \
            B[BAD].astype(np.float64 if x.dtype != np.float64 else np.float32)
    elif kind == "dtype b":
        B[BAD] = B[BAD].astype(np.float64 if x.dtype != np.float64 else np.float32)
    elif kind == "dtype out":
        out[BAD] = out[BAD].astype(np.float64 if x.dtype != np.float64 else np.float32)
    elif kind == "int":
        A[BAD], B[BAD] = x.astype(np.int32), B[BAD].astype(np.int32)
    elif kind == "byte order":
        A[BAD], B[BAD] = x.astype(x.dtype.newbyteorder()), B[BAD].astype(x.dtype.newbyteorder())
    elif kind == "size":
        B[BAD] = B[BAD][:2]
    elif kind == "size out":
        out[BAD] = out[BAD][1:]
    elif kind == "same size, other shape":
        B[BAD] = B[BAD].reshape(4, 3)
    elif kind == "non-contiguous":
        A[BAD] = np.stack([x, x], -1)[..., 0]
    elif kind == "non-contiguous out":
        out[BAD] = np.stack([out[BAD], out[BAD]], -1)[..., 0]
    elif kind == "read-only":
        B[BAD] = B[BAD].copy()
        B[BAD].flags.writeable = False
    elif kind == "read-only out":
        out[BAD].flags.writeable = False
    elif kind == "array.array":
        A[BAD] = array.array("f" if x.dtype == np.float32 else "d", x.ravel().tolist())
    elif kind == "tensor":
        torch = pytest.importorskip("torch")
        A[BAD] = torch.from_numpy(x)
    elif kind == "subclass":
        A[BAD] = x.view(np.matrix) if x.ndim == 2 else x
    elif kind == "nan":
        B[BAD] = np.full_like(B[BAD], np.nan)
    elif kind == "short":
        del B[BAD]
    elif kind == "short out":
        del out[BAD]
    elif kind == "out not a list":
        return A, B, out[0]
    return A, B, out


KINDS = ["non-array a", "nested", "dtype", "dtype b", "int", "byte order", "size",
         "same size, other shape", "non-contiguous", "read-only", "array.array", "tensor",
         "subclass", "nan", "short"]
OUT_KINDS = ["non-array out", "dtype out", "size out", "non-contiguous out", "read-only out",
             "short out", "out not a list"]


@pytest.mark.parametrize("kind", KINDS + OUT_KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_anything_out_of_the_ordinary_takes_the_operand_path(kind, dtype, twice):
    if dtype == np.float16 and kind in ("array.array",):
        pytest.skip("array.array has no float16")
    for each in (False, True):
        for fn in VECTOR[1:] if each else VECTOR[::2]:
            for with_out in ([False, True] if kind not in OUT_KINDS else [True]):
                def make():
                    A, B = rand_list(dtype, 8), rand_list(dtype, 9, 2.0)
                    out = [np.full_like(x, 42) for x in A] if with_out else None
                    A, B, out = _spoil(kind, A, B, out) if (with_out or kind not in OUT_KINDS) \
                        else (A, B, out)
                    written = [o for o in out if isinstance(o, np.ndarray)] \
                        if isinstance(out, list) else []
                    return (lambda: fn(A, B, out=out, each=each)), written
                twice(make)
        if kind in OUT_KINDS:
            continue
        A, B, _ = _spoil(kind, rand_list(dtype, 8), rand_list(dtype, 9, 2.0), None)
        twice(lambda: ((lambda: P.calculate_equivalent_alpha_and_scaling_factor(
            A, B, each=each)), []))
        twice(lambda: ((lambda: P.order_tensors_by_norm(A, B, each=each)), []))


def test_lists_of_tensors_through_the_buffer_api(twice):
    torch = pytest.importorskip("torch")
    for dtype in (torch.float32, torch.float64, torch.bfloat16, torch.float16):
        def lists(seed):
            g = torch.Generator().manual_seed(seed)
            return [torch.randn(s, generator=g, dtype=torch.float64).to(dtype) for s in SHAPES]
        for each in (False, True):
            twice(lambda: ((lambda: P.alphaless_gradient(lists(1), lists(2), each=each)), []),
                  fast_expected=True)

            def with_out(spoil=None):
                out = [torch.zeros_like(x) for x in lists(3)]
                A = lists(1)
                if spoil == "grad out":
                    out[BAD].requires_grad_()
                elif spoil == "grad in":
                    A[BAD].requires_grad_()  # read, fine
                elif spoil == "neg":
                    A[BAD] = torch._neg_view(A[BAD])
                elif spoil == "non-contiguous":
                    A[BAD] = A[BAD].t()
                elif spoil == "mixed":
                    A[BAD] = A[BAD].numpy() if dtype != torch.bfloat16 else 1.0
                return ((lambda: P.project_out_smaller_tensor(A, lists(2), out=out, each=each)),
                        [o.detach().reshape(-1).view(torch.uint8).numpy() for o in out])
            twice(with_out, fast_expected=True)
            for spoil in ("grad out", "neg", "non-contiguous", "mixed"):
                twice(lambda: with_out(spoil), fast_expected=False)
            twice(lambda: with_out("grad in"))
            twice(lambda: ((lambda: P.calculate_equivalent_alpha_and_scaling_factor(
                lists(1), lists(2), each=each)), []), fast_expected=True)
