"""projection.torch's lists at C speed: long lists (empty tensors among them) through the
list and each functions, out= and in place, against the single calls; and the fast path
against the full checks it stands for — every case run twice, with the fast path and with
it switched off, must give the same results bit for bit, or the same error with the same
message."""

import math

import pytest

torch = pytest.importorskip("torch")

import projection as P  # noqa: E402
import projection.torch as PT  # noqa: E402

pytestmark = pytest.mark.skipif(not P.has("list") or not P.has("each"),
                                reason="the library has no list functions")

DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16]
# 101 tensors: empty ones (also a 0-d one with one element, and a 2 x 0 x 3 one) among
# tensors of a few shapes; the odd element out of a test goes near the end
SHAPES = [[(0,), (), (3, 4), (17,), (2, 0, 3), (1, 5, 1), (64,)][i % 7] for i in range(101)]
BAD = 93  # a (3, 4) tensor


def rand_list(dtype, seed, scale=1.0, shapes=SHAPES):
    g = torch.Generator().manual_seed(seed)
    return [(scale * torch.randn(s, generator=g, dtype=torch.float64)).to(dtype) for s in shapes]


def bits(x):
    """A tensor's bytes, for a bitwise comparison (NaN payloads included)."""
    return x.detach().resolve_neg().contiguous().reshape(-1).view(torch.uint8)


def same(x, y):
    """Results equal bit for bit: tensors of the same dtype/shape/bytes, the same objects
    where the API returns argument objects, recursively through lists and tuples."""
    if isinstance(x, torch.Tensor):
        assert isinstance(y, torch.Tensor) and type(x) is type(y)
        assert x.dtype == y.dtype and x.shape == y.shape and x.device == y.device
        assert x.requires_grad == y.requires_grad
        if x.device.type != "meta":
            assert torch.equal(bits(x), bits(y))
    elif isinstance(x, (list, tuple)):
        assert type(x) is type(y) and len(x) == len(y)
        for u, v in zip(x, y):
            same(u, v)
    else:
        assert x == y


def outcome(f):
    try:
        return "ok", f()
    except Exception as e:  # noqa: BLE001 - the type and message are compared
        return "raised", (type(e), str(e))


@pytest.fixture
def twice(monkeypatch):
    """Runs make() -> (call, extra) with the fast path, then with it off; compares the
    returned values, the exceptions, and `extra` (tensors the call writes) bit for bit."""
    def run(make, fast_expected=None):
        call, extra = make()
        taken = []
        orig = PT._fast_lists

        def spy(*a, **k):
            r = orig(*a, **k)
            taken.append(r is not None)
            return r
        monkeypatch.setattr(PT, "_fast_lists", spy)
        got = outcome(call)
        got_extra = [bits(x).clone() for x in extra]
        monkeypatch.setattr(PT, "_fast_lists", lambda *a, **k: None)
        call2, extra2 = make()
        want = outcome(call2)
        want_extra = [bits(x).clone() for x in extra2]
        monkeypatch.setattr(PT, "_fast_lists", orig)
        assert got[0] == want[0], (got, want)
        if got[0] == "raised":
            assert got[1] == want[1]
        else:
            same(got[1], want[1])
        for u, v in zip(got_extra, want_extra):
            assert torch.equal(u, v)
        if fast_expected is not None:
            assert taken and all(t == fast_expected for t in taken), taken
        return got
    return run


VECTOR = [PT.vector_projection, PT.project_out_smaller_tensor, PT.alphaless_gradient]


# ====================================================================== values

@pytest.mark.parametrize("dtype", DTYPES)
def test_long_lists_are_bitwise_the_single_calls(dtype):
    A, B = rand_list(dtype, 1), rand_list(dtype, 2, 1.5)
    ca = torch.cat([x.reshape(-1) for x in A])
    cb = torch.cat([x.reshape(-1) for x in B])
    for fn in VECTOR:
        got = fn(A, B)
        assert [g.shape for g in got] == [x.shape for x in A]
        assert torch.equal(bits(torch.cat([g.reshape(-1) for g in got])), bits(fn(ca, cb)))
        each = fn(A, B, each=True)
        for g, x, y in zip(each, A, B):
            assert torch.equal(bits(g), bits(fn(x, y)))
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(A, B)
    ral, rsc = PT.calculate_equivalent_alpha_and_scaling_factor(ca, cb)
    assert torch.equal(bits(al), bits(ral)) and torch.equal(bits(sc), bits(rsc))
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True)
    assert al.shape == (len(A),) and al.dtype == dtype
    for i, (x, y) in enumerate(zip(A, B)):
        ral, rsc = PT.calculate_equivalent_alpha_and_scaling_factor(x, y)
        assert torch.equal(bits(al[i]), bits(ral)) and torch.equal(bits(sc[i]), bits(rsc))
    for ord in (2, 1, math.inf, -math.inf, 0, 3.5):
        s, l = PT.order_tensors_by_norm(A, B, ord=ord)
        rs, _ = PT.order_tensors_by_norm(ca, cb, ord=ord)
        assert (s is A) == (rs is ca) and (l is B) == (rs is ca)
        pairs = PT.order_tensors_by_norm(A, B, ord=ord, each=True)
        for (s, l), x, y in zip(pairs, A, B):
            assert (s, l) == tuple(PT.order_tensors_by_norm(x, y, ord=ord))
            assert s is x or s is y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("each", [False, True])
def test_long_lists_out_and_in_place(dtype, each):
    A, B = tuple(rand_list(dtype, 3)), rand_list(dtype, 4, 0.7)
    for fn in VECTOR:
        want = fn(A, B, each=each)
        out = [torch.full_like(x, 42.0) for x in A]
        ptrs = [o.data_ptr() for o in out]
        assert fn(A, B, out=out, each=each) is out
        assert [o.data_ptr() for o in out] == ptrs
        same(out, want)
        out_t = tuple(torch.empty_like(x) for x in A)
        assert fn(A, B, out=out_t, each=each) is out_t
        same(list(out_t), want)
        for target in ("a", "b"):  # in place: out is exactly one of the inputs
            a, b = [x.clone() for x in A], [y.clone() for y in B]
            o = a if target == "a" else b
            assert fn(a, b, out=o, each=each) is o
            same(o, want)


# ====================================================================== the same as the full path

def test_plain_lists_take_the_fast_path(twice):
    for dtype in DTYPES:
        for each in (False, True):
            for fn in VECTOR:
                twice(lambda: ((lambda: fn(rand_list(dtype, 5), rand_list(dtype, 6), each=each)), []),
                      fast_expected=True)

                def with_out():
                    out = [torch.zeros_like(x) for x in rand_list(dtype, 7)]
                    return (lambda: fn(rand_list(dtype, 5), rand_list(dtype, 6), out=out,
                                       each=each)), out
                twice(with_out, fast_expected=True)
            twice(lambda: ((lambda: PT.calculate_equivalent_alpha_and_scaling_factor(
                rand_list(dtype, 5), rand_list(dtype, 6), each=each)), []), fast_expected=True)
            for ord in (2, 1, math.inf):
                A, B = rand_list(dtype, 5), rand_list(dtype, 6)
                twice(lambda: ((lambda: PT.order_tensors_by_norm(A, B, ord=ord, each=each)), []),
                      fast_expected=True)


def _spoil(kind, A, B, out):
    """Makes element BAD of one list out of the ordinary."""
    x = A[BAD]
    if kind == "non-tensor a":
        A[BAD] = 1.0
    elif kind == "non-tensor b":
        B[BAD] = [1.0]
    elif kind == "non-tensor out":
        out[BAD] = None
    elif kind == "dtype":
        B[BAD] = B[BAD].double() if B[BAD].dtype != torch.float64 else B[BAD].float()
    elif kind == "dtype a and b":
        A[BAD], B[BAD] = x.to(torch.int64), B[BAD].to(torch.int64)
    elif kind == "dtype out":
        out[BAD] = out[BAD].double() if out[BAD].dtype != torch.float64 else out[BAD].float()
    elif kind == "device":
        A[BAD], B[BAD] = x.to("meta"), B[BAD].to("meta")
    elif kind == "device out":
        out[BAD] = out[BAD].to("meta")
    elif kind == "shape":
        B[BAD] = B[BAD].reshape(-1)
    elif kind == "shape out":
        out[BAD] = out[BAD].reshape(1, -1)
    elif kind == "non-contiguous":
        A[BAD] = torch.stack([x, x], -1)[..., 0]
    elif kind == "non-contiguous out":
        out[BAD] = torch.stack([out[BAD], out[BAD]], -1)[..., 1]
    elif kind == "neg bit":
        B[BAD] = torch._neg_view(-B[BAD])
    elif kind == "neg bit out":
        out[BAD] = torch._neg_view(out[BAD])
    elif kind == "sparse":
        A[BAD], B[BAD] = x.to_sparse(), B[BAD].to_sparse()
    elif kind == "requires grad":
        A[BAD] = x.clone().requires_grad_()
    elif kind == "requires grad out":
        out[BAD] = out[BAD].clone().requires_grad_()
    elif kind == "nan":
        B[BAD] = torch.full_like(B[BAD], math.nan)
    elif kind == "short b":
        del B[BAD]
    elif kind == "short out":
        del out[BAD]
    elif kind == "out not a list":
        return A, B, A[0]
    elif kind == "nested":
        A[BAD] = [x]
    return A, B, out


KINDS = ["non-tensor a", "non-tensor b", "dtype", "dtype a and b", "device", "shape",
         "non-contiguous", "neg bit", "sparse", "requires grad", "nan", "short b", "nested"]
OUT_KINDS = ["non-tensor out", "dtype out", "device out", "shape out", "non-contiguous out",
             "neg bit out", "requires grad out", "short out", "out not a list"]


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("kind", KINDS + OUT_KINDS)
def test_anything_out_of_the_ordinary_takes_the_full_path(kind, grad_mode, twice):
    dtype = torch.float32 if kind != "sparse" else torch.float64
    # a lazily negated tensor is a view of another with the opposite sign: the library
    # must not read it as its bytes
    for each in (False, True):
        for fn in VECTOR[1:] if each else VECTOR[::2]:  # the three share one code path
            for with_out in ([False, True] if kind not in OUT_KINDS else [True]):
                def make():
                    A, B = rand_list(dtype, 8), rand_list(dtype, 9, 2.0)
                    out = [torch.full_like(x, 42.0) for x in A] if with_out else None
                    A, B, out = _spoil(kind, A, B, out) if (with_out or kind not in OUT_KINDS) \
                        else (A, B, out)
                    written = out if isinstance(out, list) else []
                    written = [o for o in written if isinstance(o, torch.Tensor)
                               and o.device.type != "meta" and o.layout == torch.strided]

                    def call():
                        with torch.set_grad_enabled(grad_mode):
                            return fn(A, B, out=out, each=each)
                    return call, written
                status, _ = twice(make)
                if kind == "requires grad" and grad_mode and not with_out:
                    assert status == "ok"
        if kind in OUT_KINDS:
            continue

        def make_alpha():
            A, B, _ = _spoil(kind, rand_list(dtype, 8), rand_list(dtype, 9, 2.0), None)

            def call():
                with torch.set_grad_enabled(grad_mode):
                    return PT.calculate_equivalent_alpha_and_scaling_factor(A, B, each=each)
            return call, []
        twice(make_alpha)
        A, B, _ = _spoil(kind, rand_list(dtype, 8), rand_list(dtype, 9, 2.0), None)
        twice(lambda: ((lambda: PT.order_tensors_by_norm(A, B, each=each)), []))


def test_the_neg_bit_is_honoured(monkeypatch):
    """Not a question of routing alone: a lazily negated tensor read as its bytes would
    give the opposite sign. It takes the PyTorch path, as the same values without the bit
    do when forced there."""
    A, B = rand_list(torch.float64, 10, shapes=[(6,)] * 40), rand_list(
        torch.float64, 11, shapes=[(6,)] * 40)
    neg = [torch._neg_view(-y) for y in B]  # the same values as B, the bit set
    assert all(n.is_neg() for n in neg)
    got = [fn(A, neg, each=each) for fn in VECTOR for each in (False, True)]
    monkeypatch.setattr(PT, "FORCE_PYTORCH", True)
    same(got, [fn(A, B, each=each) for fn in VECTOR for each in (False, True)])


def test_gradients_flow_through_lists_under_grad_mode():
    A = [x.requires_grad_() for x in rand_list(torch.float64, 12)]
    B = rand_list(torch.float64, 13)
    r = PT.alphaless_gradient(A, B)
    assert all(x.requires_grad for x in r)
    sum(x.sum() for x in r).backward()
    assert all(x.grad is not None for x in A)
    with torch.no_grad():  # no graph wanted: the library, bitwise the plain call
        same(PT.alphaless_gradient(A, B), PT.alphaless_gradient([x.detach() for x in A], B))


# ====================================================================== set_alphaless_grad

def _params(dtype, seed, shapes=SHAPES):
    return [torch.nn.Parameter(x) for x in rand_list(dtype, seed, shapes=shapes)]


@pytest.mark.parametrize("grads", ["existing", "none", "mixed"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_set_alphaless_grad_fast_path_is_the_full_path(dtype, grads, monkeypatch):
    def run(fast):
        if not fast:
            monkeypatch.setattr(PT, "_set_grad_fast", lambda *a: None)
        params = _params(dtype, 20)
        gn, gm = rand_list(dtype, 21), rand_list(dtype, 22, 1.3)
        old = []
        for i, p in enumerate(params):
            if grads == "existing" or (grads == "mixed" and i % 3):
                p.grad = torch.full_like(p, 7.0)
            old.append(p.grad)
        al, sc = PT.set_alphaless_grad(params, gn, gm)
        monkeypatch.undo()
        for p, o in zip(params, old):  # existing .grad tensors are written in place
            assert o is None or p.grad is o
        return al, sc, [p.grad for p in params]
    same(run(True), run(False))
    # and bitwise the list call of the same gradients
    params = _params(dtype, 20)
    gn, gm = rand_list(dtype, 21), rand_list(dtype, 22, 1.3)
    al, sc = PT.set_alphaless_grad(params, gn, gm)
    same([p.grad for p in params], PT.alphaless_gradient(gn, gm))
    same((al, sc), PT.calculate_equivalent_alpha_and_scaling_factor(gn, gm))


SET_GRAD_KINDS = ["none noise", "none both", "non-tensor param", "sparse param",
                  "int param", "dtype param", "dtype grad", "shape grad", "shape model grad",
                  "device grad",
                  "non-contiguous grad", "neg grad", "requires grad grad", "grad requires grad",
                  "non-contiguous .grad", "shape .grad", "nan", "short", "duplicate"]


@pytest.mark.parametrize("kind", SET_GRAD_KINDS)
def test_set_alphaless_grad_out_of_the_ordinary(kind, monkeypatch):
    def run(fast):
        if not fast:
            monkeypatch.setattr(PT, "_set_grad_fast", lambda *a: None)
        dtype = torch.float32
        params = _params(dtype, 30)
        gn, gm = rand_list(dtype, 31), rand_list(dtype, 32, 1.3)
        for p in params:
            p.grad = torch.full_like(p, 7.0)
        p = params[BAD]
        if kind == "none noise":
            gn[BAD] = None
        elif kind == "none both":
            gn[BAD] = gm[BAD] = None
        elif kind == "non-tensor param":
            params[BAD] = 3.0
        elif kind == "sparse param":
            params[BAD] = p.detach().to_sparse()
        elif kind == "int param":
            params[BAD] = torch.zeros(p.shape, dtype=torch.int32)
        elif kind == "dtype param":
            params[BAD] = torch.nn.Parameter(p.detach().double())
        elif kind == "dtype grad":
            gm[BAD] = gm[BAD].double()
        elif kind == "shape grad":
            gn[BAD] = gn[BAD].reshape(-1)
        elif kind == "shape model grad":
            gm[BAD] = gm[BAD].t()  # transposed: neither the shape nor contiguous
        elif kind == "shape .grad":  # p.data replaced: p.grad keeps the old shape
            p.data = p.data.reshape(-1)
            gn[BAD], gm[BAD] = gn[BAD].reshape(-1), gm[BAD].reshape(-1)
        elif kind == "device grad":
            gn[BAD] = gn[BAD].to("meta")
        elif kind == "non-contiguous grad":
            gn[BAD] = torch.stack([gn[BAD], gn[BAD]], -1)[..., 0]
        elif kind == "neg grad":
            gm[BAD] = torch._neg_view(-gm[BAD])
        elif kind == "requires grad grad":
            gn[BAD] = gn[BAD].clone().requires_grad_()
        elif kind == "grad requires grad":
            p.grad = torch.zeros_like(p, requires_grad=True)
        elif kind == "non-contiguous .grad":
            p.grad = torch.stack([p.grad, p.grad], -1)[..., 0]
        elif kind == "nan":
            gm[BAD] = torch.full_like(gm[BAD], math.nan)
        elif kind == "short":
            del gm[BAD]
        elif kind == "duplicate":
            params[BAD] = params[BAD - 7]
        before = [x.grad.clone() if isinstance(x, torch.Tensor) and x.grad is not None else None
                  for x in params]
        res = outcome(lambda: PT.set_alphaless_grad(params, gn, gm))
        monkeypatch.undo()
        grads = [x.grad if isinstance(x, torch.Tensor) else None for x in params]
        return res, before, grads
    got, want = run(True), run(False)
    assert got[0][0] == want[0][0], (got[0], want[0])
    if got[0][0] == "raised":
        assert got[0][1] == want[0][1]
    else:
        same(got[0][1], want[0][1])
    same(got[1], want[1])
    for g, w in zip(got[2], want[2]):
        if g is None or w is None:
            assert g is None and w is None
        elif g.layout == torch.strided:
            same(g, w)


def test_alphaless_backward_names_the_first_bad_parameter():
    ps = _params(torch.float32, 40, shapes=[(3,)] * 300)
    loss = sum(p.sum() for p in ps)
    for bad, msg, exc in ((torch.zeros(3), r"params\[299\] does not require grad", ValueError),
                          ("x", r"params\[299\]: expected a torch.Tensor, got str", TypeError),
                          (torch.zeros(3, dtype=torch.int32, requires_grad=False),
                           r"params\[299\]: dtype torch.int32 is not supported", TypeError)):
        with pytest.raises(exc, match=msg):
            PT.alphaless_backward(loss, loss * 2, ps[:299] + [bad])
    al, sc = PT.alphaless_backward(loss, 2 * loss, ps)
    assert all(torch.equal(p.grad, ps[0].grad) for p in ps)


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("target", ["a", "b"])
def test_in_place_lists(target, grad_mode, twice):
    """out= exactly one of the input lists: its tensors are checked as inputs once."""
    for spoil in (None, "requires grad", "non-contiguous", "dtype", "shape"):
        def make():
            A, B = rand_list(torch.float32, 50), rand_list(torch.float32, 51)
            if spoil == "requires grad":
                A[BAD].requires_grad_()
            elif spoil == "non-contiguous":
                A[BAD] = torch.stack([A[BAD], A[BAD]], -1)[..., 0]
            elif spoil == "dtype":
                B[BAD] = B[BAD].double()
            elif spoil == "shape":
                B[BAD] = B[BAD].reshape(-1)
            out = A if target == "a" else B
            written = [x for x in out if x.layout == torch.strided and x.dtype == torch.float32]

            def call():
                with torch.set_grad_enabled(grad_mode):
                    return PT.alphaless_gradient(A, B, out=out)
            return call, written
        status, _ = twice(make, fast_expected=True if spoil is None else None)
        fine = spoil in (None, "non-contiguous") or (
            spoil == "requires grad" and not grad_mode and target == "b")
        assert (status == "ok") == fine
