"""projection.torch, the drop-in for the original module, against the original functions
written in PyTorch (reference_torch.py): the library path, the PyTorch path (forced, and
reached through non-contiguous tensors, kwargs, grad mode, the meta device), lists, out=,
and every error."""

import math

import pytest

torch = pytest.importorskip("torch")

import projection as P  # noqa: E402
import projection.torch as PT  # noqa: E402
from projection import _core  # noqa: E402
from reference_torch import (t_alphaless_gradient, t_cat, t_equivalent_alpha_and_scale,  # noqa: E402
                             t_order_tensors_by_norm, t_project_out_smaller_tensor,
                             t_vector_projection)

DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16]
SHAPES = [(7,), (3, 5), (2, 3, 4), (), (0,), (70_000,)]
VECTOR = [(PT.vector_projection, t_vector_projection, "vector_projection"),
          (PT.project_out_smaller_tensor, t_project_out_smaller_tensor, "project_out_smaller"),
          (PT.alphaless_gradient, t_alphaless_gradient, "alphaless_gradient")]
# relative error of one rounding to the dtype (outputs are rounded once from double; the
# float32-copy path for 16-bit types without the library's functions rounds twice)
EPS = {torch.float32: 2 ** -23, torch.float64: 2 ** -52, torch.bfloat16: 2 ** -7,
       torch.float16: 2 ** -10}
# alpha and scale: computed in double from exact sums, returned in the dtype; the float64
# reference sums in another order, and alpha = c / scale amplifies that where scale is small
SREL = {torch.float32: 2 ** -23, torch.float64: 1e-10, torch.bfloat16: 2 ** -7,
        torch.float16: 2 ** -10}


def rand(shape, dtype, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=g, dtype=torch.float64)).to(dtype)


def close(got, want, dtype, ulps=2, inputs=()):
    """got (any dtype) within `ulps` roundings of the dtype of want (float64), relative to
    the largest element of want and of the inputs (cancellation, as in L - k S, makes the
    error relative to each element meaningless)."""
    got64 = got.detach().to(torch.float64).reshape(-1)
    want64 = want.detach().to(torch.float64).reshape(-1)
    big = max([float(t.detach().abs().max()) for t in (want64,) + inputs if t.numel()] + [0.0])
    tol = ulps * EPS[dtype] * max(big, 1e-300) + (1e-12 if dtype == torch.float64 else 0)
    assert got64.shape == want64.shape
    err = float((got64 - want64).abs().max()) if got64.numel() else 0.0
    assert err <= tol, (err, tol)


@pytest.fixture(params=["library", "pytorch"])
def path(request, monkeypatch):
    """Runs a test through the library, then with every call forced to the PyTorch path."""
    if request.param == "pytorch":
        monkeypatch.setattr(PT, "FORCE_PYTORCH", True)
    return request.param


@pytest.fixture
def calls(monkeypatch):
    """Counts the calls into the C library made by projection.torch."""
    n = {"c": 0}
    for name in ("vector", "order", "alpha", "vector_many", "order_many", "alpha_many"):
        orig = getattr(_core, name)

        def spy(*args, _orig=orig, **kw):
            n["c"] += 1
            return _orig(*args, **kw)
        monkeypatch.setattr(_core, name, spy)
    return n


# ====================================================================== values

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_the_original_functions(dtype, shape, path):
    n = math.prod(shape)
    a, b = rand(shape, dtype, n), rand(shape, dtype, n + 1, 3.0)
    for x, y in ((a, b), (b, a)):
        for fn, ref, _ in VECTOR:
            r = fn(x, y)
            assert isinstance(r, torch.Tensor) and r.dtype == dtype and r.shape == x.shape
            assert r.device == x.device and not r.requires_grad
            assert r.is_contiguous()
            close(r, ref(x, y), dtype, inputs=(x, y))
        al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(x, y)
        ra, rs = t_equivalent_alpha_and_scale(x, y)
        for got, want in ((al, ra), (sc, rs)):
            assert isinstance(got, torch.Tensor) and got.dim() == 0 and got.dtype == dtype
            assert float(got) == pytest.approx(want, rel=SREL[dtype], abs=1e-300)
        s, l = PT.order_tensors_by_norm(x, y)
        x_first = float(t_cat([x]).norm()) <= float(t_cat([y]).norm())
        assert (s, l) == ((x, y) if x_first else (y, x))
        assert s is (x if x_first else y) and l is (y if x_first else x)


def test_order_is_the_original_objects_and_stable(path):
    a = torch.tensor([3.0, 4.0])
    b = torch.tensor([-4.0, 3.0])  # same norm
    assert PT.order_tensors_by_norm(a, b) == (a, b)
    s, l = PT.order_tensors_by_norm(b, a)
    assert s is b and l is a
    c, d = torch.tensor([1.0, 1.0]), torch.tensor([1.5, 0.0])
    for kw, smaller in (({}, c), ({"ord": 2}, c), ({"ord": 1}, d), ({"ord": math.inf}, c),
                        ({"ord": 0}, d), ({"ord": -math.inf}, d), ({"ord": 3}, c),
                        ({"keepdim": True}, c), ({"ord": 1, "dim": None}, d),
                        ({"dtype": torch.float64}, c), ({"dim": 0}, c), ({"dim": (0,)}, c)):
        got = PT.order_tensors_by_norm(c, d, **kw)
        want = t_order_tensors_by_norm(c, d, **kw)
        assert got[0] is want[0] is smaller and got[1] is want[1], kw


@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 0, 3, 0.5])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_order_agrees_with_vector_norm(ord, dtype, path):
    for seed in range(20):
        a, b = rand((11,), dtype, seed), rand((11,), dtype, seed + 100)
        b[seed % 11] = 0
        na = float(torch.linalg.vector_norm(a.double(), ord=ord))
        nb = float(torch.linalg.vector_norm(b.double(), ord=ord))
        if math.isclose(na, nb, rel_tol=1e-5):
            continue  # a near tie: float32 rounding could decide either way
        got = PT.order_tensors_by_norm(a, b, ord=ord)
        want = t_order_tensors_by_norm(a, b, ord=ord)
        assert got[0] is want[0] and got[1] is want[1]


def test_zero_vectors_and_infinite_alpha(path):
    a = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    z = torch.zeros(3, dtype=torch.float64)
    assert torch.equal(PT.vector_projection(a, z), z)      # onto 0 is 0, not NaN
    assert torch.equal(PT.alphaless_gradient(z, a), a)     # k = 0 when S = 0
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(z, a)
    assert (float(al), float(sc)) == (0.5, 2.0)
    noise, model = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 0.0])
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(noise, model)
    assert float(sc) == 0 and float(al) == math.inf and al.dtype == torch.float32
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(model, noise)
    assert float(sc) == 0 and float(al) == -math.inf


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_library_and_pytorch_paths_agree(dtype, monkeypatch):
    a, b = rand((1000,), dtype, 1), rand((1000,), dtype, 2, 0.5)
    lib = [fn(a, b) for fn, _, _ in VECTOR] + [
        PT.calculate_equivalent_alpha_and_scaling_factor(a, b)]
    monkeypatch.setattr(PT, "FORCE_PYTORCH", True)
    pt = [fn(a, b) for fn, _, _ in VECTOR] + [
        PT.calculate_equivalent_alpha_and_scaling_factor(a, b)]
    for x, y in zip(lib[:3], pt[:3]):
        close(x, y.double(), dtype, ulps=1)
    for x, y in zip(lib[3], pt[3]):
        assert float(x) == pytest.approx(float(y), rel=EPS[dtype])


# ====================================================================== which path

def test_the_library_computes_cpu_contiguous_tensors(calls):
    a, b = torch.randn(5, 3), torch.randn(5, 3)
    for fn, _, _ in VECTOR:
        fn(a, b)
    PT.order_tensors_by_norm(a, b, ord=1, keepdim=True)
    PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert calls["c"] == 5


def test_non_contiguous_tensors_take_the_pytorch_path(calls):
    base_a, base_b = rand((6, 4), torch.float64, 1), rand((6, 4), torch.float64, 2)
    a, b = base_a.t(), base_b[:, ::1].t()          # transposed views
    assert not a.is_contiguous()
    for fn, ref, _ in VECTOR:
        r = fn(a, b)
        assert r.shape == a.shape and r.dtype == a.dtype
        close(r, ref(a, b), torch.float64)
    al, _ = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert float(al) == pytest.approx(t_equivalent_alpha_and_scale(a, b)[0], rel=1e-12)
    s, _ = PT.order_tensors_by_norm(a, b)
    assert s is t_order_tensors_by_norm(a, b)[0]
    out = torch.empty(6, 4, dtype=torch.float64).t()  # a non-contiguous out
    assert PT.alphaless_gradient(a, b, out=out) is out
    close(out, t_alphaless_gradient(a, b), torch.float64)
    assert calls["c"] == 0


def test_kwargs_the_library_cannot_honour_take_vector_norm(calls):
    a = torch.tensor([[3.0, 0.0], [0.0, 0.1]])
    b = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    # dim= as in the original: a per-row norm compared as a whole is ambiguous there too
    with pytest.raises(RuntimeError, match="ambiguous"):
        t_order_tensors_by_norm(a, b, dim=1)
    with pytest.raises(RuntimeError, match="ambiguous"):
        PT.order_tensors_by_norm(a, b, dim=1)
    # |a|_2 = 3.0017 > |b|_2 = 2, but |a|_1 = 3.1 < |b|_1 = 4
    assert PT.order_tensors_by_norm(a, b, dim=(0, 1))[0] is b
    assert PT.order_tensors_by_norm(a, b, dim=(0, 1), ord=1)[0] is a
    assert PT.order_tensors_by_norm(a, b, dtype=torch.float64, ord=math.inf)[0] is b
    with pytest.raises(TypeError):
        PT.order_tensors_by_norm(a, b, no_such_option=1)  # as vector_norm refuses it
    assert calls["c"] == 0
    assert PT.order_tensors_by_norm(a, b, ord=math.inf)[0] is b
    assert calls["c"] == 1


def test_grad_mode_takes_the_differentiable_pytorch_path(calls):
    a = torch.randn(6, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    for fn, ref, _ in VECTOR:
        r = fn(a, b)
        assert r.requires_grad and r.grad_fn is not None
        close(r, ref(a, b), torch.float64)
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert al.requires_grad and sc.requires_grad
    assert calls["c"] == 0
    for fn, _, _ in VECTOR:  # the gradients are right
        assert torch.autograd.gradcheck(fn, (a, b))
    assert torch.autograd.gradcheck(
        lambda x, y: PT.calculate_equivalent_alpha_and_scaling_factor(x, y), (a, b))
    with torch.no_grad():  # no graph wanted: the library
        r = PT.alphaless_gradient(a, b)
    assert not r.requires_grad and calls["c"] == 1


def test_other_devices_take_the_pytorch_path(calls):
    """No GPU here: the meta device stands for one (shapes and dtypes, no values)."""
    a = torch.empty(3, 4, device="meta", dtype=torch.bfloat16)
    b = torch.empty(3, 4, device="meta", dtype=torch.bfloat16)
    for fn, _, _ in VECTOR:
        r = fn(a, b)
        assert r.device.type == "meta" and r.shape == (3, 4) and r.dtype == torch.bfloat16
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert al.device.type == "meta" and al.dim() == 0 and al.dtype == torch.bfloat16
    r = PT.alphaless_gradient([a, a[0]], [b, b[0]])
    assert [x.shape for x in r] == [(3, 4), (4,)] and r[0].device.type == "meta"
    assert calls["c"] == 0


# ====================================================================== 16-bit types

@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_16_bit_types_through_the_library(dtype, calls):
    a, b = rand((1000,), dtype, 5), rand((1000,), dtype, 6, 2.0)
    r = PT.alphaless_gradient(a, b)
    assert r.dtype == dtype
    suffix = "bf16" if dtype == torch.bfloat16 else "f16"
    close(r, t_alphaless_gradient(a, b), dtype, ulps=1 if P.has(suffix) else 2)
    assert calls["c"] == 1  # natively, or through a float32 copy before 1.1's engine


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_16_bit_types_through_a_float32_copy(dtype, monkeypatch, calls):
    """A library without the 16-bit functions: float32 copies, same scalars."""
    from projection import _lib
    suffix = "bf16" if dtype == torch.bfloat16 else "f16"
    a, b = rand((300,), dtype, 7), rand((300,), dtype, 8, 0.3)
    native = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    monkeypatch.setitem(_lib.features, suffix, False)
    monkeypatch.setattr(PT, "_NATIVE", {})  # the fast path's cache of the features
    types = []
    orig = _core.vector
    monkeypatch.setattr(_core, "vector", lambda op, t, *r: (types.append(t), orig(op, t, *r))[1])
    r = PT.project_out_smaller_tensor(a, b)
    assert r.dtype == dtype
    close(r, t_project_out_smaller_tensor(a, b), dtype, ulps=2)
    out = torch.empty_like(a)
    assert PT.vector_projection(a, b, out=out) is out
    close(out, t_vector_projection(a, b), dtype, ulps=2)
    assert types == ["f32", "f32"]
    copied = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert [float(x) for x in copied] == [float(x) for x in native]
    assert PT.order_tensors_by_norm(a, b)[0] is (a if a.double().norm() <= b.double().norm() else b)


# ====================================================================== out=

@pytest.mark.parametrize("fn,ref,_", VECTOR)
def test_out_and_in_place(fn, ref, _, path):
    a, b = rand((4, 5), torch.float32, 1), rand((4, 5), torch.float32, 2)
    want = ref(a, b)
    out = torch.full((4, 5), 7.0)
    ptr = out.data_ptr()
    assert fn(a, b, out=out) is out and out.data_ptr() == ptr
    close(out, want, torch.float32)
    a2, b2 = a.clone(), b.clone()
    assert fn(a2, b2, out=a2) is a2
    close(a2, want, torch.float32)
    a2, b2 = a.clone(), b.clone()
    assert fn(a2, b2, out=b2) is b2
    close(b2, want, torch.float32)


# ====================================================================== lists

LIST_SHAPES = [(3, 4), (0,), (7,), (2, 2, 2), (), (70_000,)]


def rand_list(dtype, seed, scale=1.0, shapes=LIST_SHAPES):
    return [rand(s, dtype, seed + i, scale) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_lists_are_one_vector(dtype, path):
    A, B = rand_list(dtype, 10), rand_list(dtype, 50, 2.0)
    A = tuple(A)  # tuples are lists too
    ca, cb = t_cat(A), t_cat(B)
    for fn, ref, _ in VECTOR:
        got = fn(A, B)
        assert isinstance(got, list) and len(got) == len(A)
        for g, x in zip(got, A):
            assert g.shape == x.shape and g.dtype == dtype
        close(t_cat(got), ref(ca, cb), dtype, inputs=(ca, cb))
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(A, B)
    ra, rs = t_equivalent_alpha_and_scale(ca, cb)
    assert al.dim() == 0 and al.dtype == dtype
    assert float(al) == pytest.approx(ra, rel=SREL[dtype])
    assert float(sc) == pytest.approx(rs, rel=SREL[dtype])
    s, l = PT.order_tensors_by_norm(A, B)
    assert s is A and l is B if float(ca.norm()) <= float(cb.norm()) else s is B and l is A
    s, l = PT.order_tensors_by_norm(A, B, ord=1)
    assert s is (A if float(ca.norm(1)) <= float(cb.norm(1)) else B)
    out = [torch.empty_like(x) for x in A]
    ptrs = [o.data_ptr() for o in out]
    assert PT.alphaless_gradient(A, B, out=out) is out
    assert [o.data_ptr() for o in out] == ptrs
    close(t_cat(out), t_alphaless_gradient(ca, cb), dtype)


def inf_norm(x):
    return float(x.double().abs().max()) if x.numel() else 0.0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_lists_each(dtype, path):
    A, B = rand_list(dtype, 20), rand_list(dtype, 60, 0.5)
    for fn, ref, _ in VECTOR:
        got = fn(A, B, each=True)
        for g, x, y in zip(got, A, B):
            assert g.shape == x.shape and g.dtype == dtype
            close(g, ref(x, y), dtype, inputs=(x, y))
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True)
    assert al.shape == (len(A),) and al.dtype == dtype and sc.shape == (len(A),)
    for i, (x, y) in enumerate(zip(A, B)):
        ra, rs = t_equivalent_alpha_and_scale(x, y)
        assert float(al[i]) == pytest.approx(ra, rel=SREL[dtype])
        assert float(sc[i]) == pytest.approx(rs, rel=SREL[dtype])
    pairs = PT.order_tensors_by_norm(A, B, ord=math.inf, each=True)
    assert len(pairs) == len(A)
    for (s, l), x, y in zip(pairs, A, B):
        # SPEC: the norm of no elements is 0, for every order (vector_norm refuses inf)
        x_first = inf_norm(x) <= inf_norm(y)
        assert s is (x if x_first else y) and l is (y if x_first else x)


@pytest.mark.skipif(not P.has("list"), reason="the library has no list functions yet")
def test_lists_are_bitwise_the_single_call_on_the_concatenation(calls):
    A, B = rand_list(torch.float32, 1), rand_list(torch.float32, 2)
    ca = torch.cat([x.reshape(-1) for x in A])
    cb = torch.cat([x.reshape(-1) for x in B])
    for fn, _, _ in VECTOR:
        got = torch.cat([g.reshape(-1) for g in fn(A, B)])
        assert torch.equal(got, fn(ca, cb))
    assert [float(x) for x in PT.calculate_equivalent_alpha_and_scaling_factor(A, B)] == \
        [float(x) for x in PT.calculate_equivalent_alpha_and_scaling_factor(ca, cb)]
    assert calls["c"] == 8  # every list call went to the library


def test_lists_without_list_functions_take_the_pytorch_path(monkeypatch, calls):
    from projection import _lib
    monkeypatch.setitem(_lib.features, "list", False)
    monkeypatch.setitem(_lib.features, "each", False)
    A, B = rand_list(torch.float64, 3), rand_list(torch.float64, 4)
    close(t_cat(PT.alphaless_gradient(A, B)), t_alphaless_gradient(t_cat(A), t_cat(B)),
          torch.float64)
    PT.alphaless_gradient(A, B, each=True)
    assert calls["c"] == 0


def test_empty_lists(path):
    assert PT.vector_projection([], []) == []
    assert PT.order_tensors_by_norm([], []) == ([], [])
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor([], [])
    assert (float(al), float(sc)) == (0.5, 2.0)
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor([], [], each=True)
    assert al.shape == (0,) and sc.shape == (0,)


# ====================================================================== errors

def _status(excinfo, status):
    e = excinfo.value
    assert isinstance(e, P.ProjectionError) and isinstance(e, ValueError)
    assert e.status == status and P.status_string(status) in str(e)


def test_bad_arguments():
    a, b = torch.zeros(3), torch.zeros(3)
    with pytest.raises(TypeError, match="a: expected a torch.Tensor, got float"):
        PT.vector_projection(3.0, b)
    with pytest.raises(TypeError, match="b: expected a list or tuple of tensors"):
        PT.vector_projection([1.0, 2.0, 3.0], b)
    with pytest.raises(TypeError, match=r"a\[0\]: expected a torch.Tensor, got float"):
        PT.vector_projection([1.0, 2.0, 3.0], [b, b, b])
    with pytest.raises(TypeError, match="g_model: expected a torch.Tensor, got ndarray"):
        PT.alphaless_gradient(a, pytest.importorskip("numpy").zeros(3))
    with pytest.raises(TypeError, match="dtype torch.int64 is not supported"):
        PT.vector_projection(torch.zeros(3, dtype=torch.int64), torch.zeros(3, dtype=torch.int64))
    with pytest.raises(TypeError, match="same dtype"):
        PT.vector_projection(a, b.double())
    with pytest.raises(TypeError, match="same dtype"):
        PT.calculate_equivalent_alpha_and_scaling_factor(a, b.half())
    with pytest.raises(ValueError, match="same device"):
        PT.vector_projection(a, torch.zeros(3, device="meta"))
    with pytest.raises(ValueError, match=r"shape \(3,\) but b has shape \(1, 3\)"):
        PT.project_out_smaller_tensor(a, b.reshape(1, 3))
    with pytest.raises(ValueError, match="shape"):
        PT.order_tensors_by_norm(a, torch.zeros(4))
    with pytest.raises(TypeError, match="sparse|layout"):
        PT.vector_projection(a.to_sparse(), b.to_sparse())


def test_bad_out():
    a, b = torch.ones(3), torch.ones(3)
    with pytest.raises(ValueError, match="out requires grad"):
        PT.vector_projection(a, b, out=torch.zeros(3, requires_grad=True))
    with pytest.raises(TypeError, match="same dtype"):
        PT.vector_projection(a, b, out=torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape"):
        PT.vector_projection(a, b, out=torch.zeros(4))
    with pytest.raises(TypeError, match="out: expected a torch.Tensor"):
        PT.vector_projection(a, b, out=[0.0, 0.0, 0.0])
    g = torch.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="out= cannot be used when an input requires grad"):
        PT.alphaless_gradient(g, b, out=torch.zeros(3))
    with torch.no_grad():  # no graph: fine
        PT.alphaless_gradient(g, b, out=torch.zeros(3))


def test_bad_lists():
    A, B = rand_list(torch.float32, 1, shapes=[(2,), (3,)]), rand_list(
        torch.float32, 2, shapes=[(2,), (3,)])
    with pytest.raises(ValueError, match="a has 2 tensors but b has 1"):
        PT.vector_projection(A, B[:1])
    with pytest.raises(TypeError, match=r"b\[1\]: expected a torch.Tensor, got float"):
        PT.vector_projection(A, [B[0], 1.0])
    with pytest.raises(TypeError, match="expected a list or tuple of tensors"):
        PT.vector_projection(A, B[0])
    with pytest.raises(TypeError, match="one dtype"):
        PT.alphaless_gradient([A[0], A[1].double()], [B[0], B[1].double()])
    with pytest.raises(ValueError, match="one device"):
        PT.alphaless_gradient([A[0], torch.zeros(3, device="meta")],
                              [B[0], torch.zeros(3, device="meta")])
    with pytest.raises(ValueError, match=r"a\[1\] has shape \(3,\) but b\[1\] has shape \(2,\)"):
        PT.vector_projection(A, [B[0], B[0]])
    with pytest.raises(ValueError, match=r"g_noise\[1\] has shape \(3,\) but g_model\[1\]"):
        PT.calculate_equivalent_alpha_and_scaling_factor(A, [B[0], B[0]])
    with pytest.raises(ValueError, match="out has 1 tensors but g_noise has 2"):
        PT.alphaless_gradient(A, B, out=[torch.zeros(2)])
    with pytest.raises(ValueError, match=r"out\[1\] requires grad"):
        PT.alphaless_gradient(A, B, out=[torch.zeros(2), torch.zeros(3, requires_grad=True)])
    with pytest.raises(TypeError, match="expected a list or tuple of tensors for list"):
        PT.alphaless_gradient(A, B, out=torch.zeros(5))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("dtype", DTYPES)
def test_nonfinite_input_raises_and_writes_nothing(bad, dtype, path):
    good = torch.tensor([1.0, 2.0, 3.0], dtype=dtype)
    poisoned = good.clone()
    poisoned[1] = bad
    for fn, _, _ in VECTOR:
        for x, y in ((poisoned, good), (good, poisoned)):
            out = torch.full((3,), 42.0, dtype=dtype)
            with pytest.raises(P.ProjectionError) as ei:
                fn(x, y, out=out)
            _status(ei, P.ERR_NONFINITE)
            assert torch.all(out == 42)
            keep = x.clone()
            with pytest.raises(P.ProjectionError):
                fn(x, y, out=x)
            assert torch.equal(x.view(torch.uint8), keep.view(torch.uint8))
        outs = [torch.full((3,), 42.0, dtype=dtype), torch.full((3,), 42.0, dtype=dtype)]
        with pytest.raises(P.ProjectionError) as ei:
            fn([good, good], [good, poisoned], out=outs)
        _status(ei, P.ERR_NONFINITE)
        assert all(torch.all(o == 42) for o in outs)  # not even the first segment
    for fn in (PT.order_tensors_by_norm, PT.calculate_equivalent_alpha_and_scaling_factor):
        with pytest.raises(P.ProjectionError) as ei:
            fn(good, poisoned)
        _status(ei, P.ERR_NONFINITE)


def test_nan_ord_is_an_argument_error(path):
    a = torch.ones(3)
    with pytest.raises(P.ProjectionError) as ei:
        PT.order_tensors_by_norm(a, a, ord=math.nan)
    _status(ei, P.ERR_ARGUMENT)
    assert "order_tensors_by_norm" in str(ei.value)


def test_partially_overlapping_out_is_an_overlap_error(path):
    buf = torch.arange(1.0, 9.0)
    keep = buf.clone()
    for fn, _, _ in VECTOR:
        with pytest.raises(P.ProjectionError) as ei:
            fn(buf[0:4], buf[4:8], out=buf[1:5])
        _status(ei, P.ERR_OVERLAP)
        assert torch.equal(buf, keep)
    with pytest.raises(P.ProjectionError) as ei:  # two outputs on the same memory
        PT.alphaless_gradient([buf[0:2], buf[2:4]], [buf[4:6], buf[6:8]],
                              out=[buf[0:2], buf[1:3]])
    _status(ei, P.ERR_OVERLAP)
    assert torch.equal(buf, keep)


def test_huge_float64_values(path):
    """Squares beyond double's range: the library redoes such sums in extended precision,
    the PyTorch path scales by a power of two; either way the right answer, not inf/NaN."""
    a = torch.tensor([3e200, -4e200, 1e199], dtype=torch.float64)
    b = torch.tensor([1e200, 1e200, 2e200], dtype=torch.float64)
    sa, sb = a / 1e200, b / 1e200  # the same problem at a harmless scale
    for fn, _, _ in VECTOR:
        r = fn(a, b)
        assert torch.isfinite(r).all()
        torch.testing.assert_close(r / 1e200, fn(sa, sb), rtol=1e-13, atol=1e-13)
    al, sc = PT.calculate_equivalent_alpha_and_scaling_factor(a, b)
    ral, rsc = PT.calculate_equivalent_alpha_and_scaling_factor(sa, sb)
    assert float(al) == pytest.approx(float(ral), rel=1e-13)
    assert float(sc) == pytest.approx(float(rsc), rel=1e-13)
    assert PT.order_tensors_by_norm(a, b)[0] is b
