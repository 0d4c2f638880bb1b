"""Tests of the ctypes buffer API (``import projection``) against a float64 reference.

Runs with or without PyTorch (the NumPy-2 stage has none): tensors are one more kind of
input when torch is importable."""

import array
import math
import os

import numpy as np
import pytest

import projection as P
from projection._buffers import Operand
from reference import (f64, n_alpha_scale, n_alphaless_gradient, n_norm, n_order,
                       n_project_out_smaller, n_vector_projection)

try:
    import torch
except ImportError:  # the NumPy-only runs
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed here")

# ---------------------------------------------------------------- helpers

DTYPES = ["float32", "float64"]
KINDS = ["numpy", "array", "memoryview"] + (["torch"] if torch is not None else [])
SHAPES = [(7,), (3, 5), (2, 3, 4), (1,), (50_000,)]


def make(kind, values, shape=None):
    """values (a float64 numpy array of the right dtype) as the given kind, sharing memory
    where the kind allows."""
    values = np.ascontiguousarray(values)
    shape = shape or values.shape
    values = values.reshape(shape)
    if kind == "numpy":
        return values
    if kind == "torch":
        return torch.from_numpy(values)
    code = "f" if values.dtype == np.float32 else "d"
    if kind == "array":
        return array.array(code, values.ravel().tobytes())
    if kind == "memoryview":
        mv = memoryview(bytearray(values.tobytes())).cast("B")
        return mv.cast(code, list(shape)) if len(shape) > 1 else mv.cast(code)
    raise AssertionError(kind)


def flat64(x):
    """Any result kind as a flat float64 numpy array (a copy)."""
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().to(torch.float64).numpy().ravel()
    return np.array(np.asarray(x), dtype=np.float64).ravel()


def tol(dtype):
    return dict(rtol=2e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)


def check_kind(result, like_kind, dtype, shape):
    if like_kind == "numpy":
        assert isinstance(result, np.ndarray) and result.dtype == np.dtype(dtype)
        assert result.shape == shape
    elif like_kind == "torch":
        assert isinstance(result, torch.Tensor)
        assert result.dtype == getattr(torch, dtype) and tuple(result.shape) == shape
    elif like_kind == "array":
        assert isinstance(result, array.array)
        assert result.typecode == ("f" if dtype == "float32" else "d")
        assert len(result) == int(np.prod(shape))
    else:
        assert isinstance(result, memoryview)
        assert result.format == ("f" if dtype == "float32" else "d")
        assert result.shape == shape


def rand_pair(dtype, n, seed, scale_b=3.0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n).astype(dtype)
    b = (scale_b * rng.standard_normal(n)).astype(dtype)
    return a, b


# ---------------------------------------------------------------- library

def test_library_loads_and_reports_itself():
    lib = P.load_library()
    assert lib is P.load_library()  # loaded once
    assert P.version() == P.__version__ == "1.1.0"
    assert lib.projection_version_number() == 10100
    assert P.simd_arch() in ("sse2", "fma3+avx2", "avx512bw", "neon64", "generic")
    assert P.get_num_threads() >= 1
    assert P.has("core")


def test_numpy_version_is_the_expected_one():
    """The test stages say which NumPy they installed (1.x from Debian, 2.x from PyPI)."""
    want = os.environ.get("PROJECTION_EXPECT_NUMPY_MAJOR")
    if not want:
        pytest.skip("PROJECTION_EXPECT_NUMPY_MAJOR not set")
    assert np.__version__.split(".")[0] == want, np.__version__


def test_set_num_threads_roundtrip():
    old = P.get_num_threads()
    try:
        P.set_num_threads(1)
        assert P.get_num_threads() == 1
        P.set_num_threads(2)
        assert P.get_num_threads() == 2
    finally:
        P.set_num_threads(0)
    assert P.get_num_threads() >= 1 and P.get_num_threads() == old


def test_status_strings():
    for code in (P.OK, P.ERR_NULL, P.ERR_OVERLAP, P.ERR_ARGUMENT, P.ERR_NONFINITE,
                 P.ERR_PARTIALS, 99, -1):
        s = P.status_string(code)
        assert isinstance(s, str) and s
    assert P.status_string(P.ERR_NONFINITE) != P.status_string(P.OK)


# ---------------------------------------------------------------- values vs reference

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_vector_functions_match_reference(dtype, kind, shape):
    n = int(np.prod(shape))
    a_np, b_np = rand_pair(dtype, n, seed=n)
    a, b = make(kind, a_np, shape), make(kind, b_np, shape)

    r = P.vector_projection(a, b)
    check_kind(r, kind, dtype, shape)
    np.testing.assert_allclose(flat64(r), n_vector_projection(a_np, b_np), **tol(dtype))

    for x, y, nx, ny in ((a, b, a_np, b_np), (b, a, b_np, a_np)):  # symmetric
        r = P.project_out_smaller_tensor(x, y)
        check_kind(r, kind, dtype, shape)
        np.testing.assert_allclose(flat64(r), n_project_out_smaller(nx, ny), **tol(dtype))
        r = P.alphaless_gradient(x, y)
        check_kind(r, kind, dtype, shape)
        np.testing.assert_allclose(flat64(r), n_alphaless_gradient(nx, ny), **tol(dtype))
        alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(x, y)
        assert isinstance(alpha, float) and isinstance(scale, float)
        ra, rs = n_alpha_scale(nx, ny)
        assert alpha == pytest.approx(ra, rel=1e-6 if dtype == "float32" else 1e-12)
        assert scale == pytest.approx(rs, rel=1e-6 if dtype == "float32" else 1e-12)
        # the defining identity: alphaless gradient == scale * composite gradient(alpha)
        np.testing.assert_allclose(scale * (alpha * f64(nx) + (1 - alpha) * f64(ny)),
                                   n_alphaless_gradient(nx, ny), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 0, 3, 0.5, 2.0])
def test_order_tensors_by_norm_returns_the_objects(dtype, ord):
    rng = np.random.default_rng(7)
    for trial in range(20):
        a = rng.standard_normal(11).astype(dtype)
        b = rng.standard_normal(11).astype(dtype)
        b[rng.integers(0, 11)] = 0  # gives the 0-"norm" a difference now and then
        na, nb = n_norm(a, ord), n_norm(b, ord)
        if math.isclose(na, nb, rel_tol=1e-5):
            continue  # float32 rounding could decide either way; ties are tested below
        got = P.order_tensors_by_norm(a, b, ord=ord)
        want = n_order(a, b, ord=ord)
        assert got[0] is want[0] and got[1] is want[1]


@pytest.mark.parametrize("kind", KINDS)
def test_order_is_stable_and_default_ord_is_2(kind):
    a = make(kind, np.array([3.0, 4.0]))
    b = make(kind, np.array([-4.0, 3.0]))  # same norm
    s, l = P.order_tensors_by_norm(a, b)
    assert s is a and l is b
    s, l = P.order_tensors_by_norm(b, a)
    assert s is b and l is a
    # ord=1 vs ord=inf vs default: [1, 1] vs [1.5, 0]
    c = make(kind, np.array([1.0, 1.0]))
    d = make(kind, np.array([1.5, 0.0]))
    assert P.order_tensors_by_norm(c, d)[0] is c          # |c|_2 = 1.414 <= |d|_2 = 1.5
    assert P.order_tensors_by_norm(c, d, ord=2)[0] is c
    assert P.order_tensors_by_norm(c, d, ord=1)[0] is d   # 2 > 1.5
    assert P.order_tensors_by_norm(c, d, ord=math.inf)[0] is c  # 1 <= 1.5
    assert P.order_tensors_by_norm(c, d, ord=0)[0] is d   # 2 non-zeros > 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_vectors(dtype):
    a = np.array([1.0, -2.0, 3.0], dtype=dtype)
    z = np.zeros(3, dtype=dtype)
    assert np.array_equal(P.vector_projection(a, z), z)        # onto 0 is 0, not NaN
    assert np.array_equal(P.vector_projection(z, a), z)
    assert np.array_equal(P.project_out_smaller_tensor(a, z), a)
    assert np.array_equal(P.project_out_smaller_tensor(z, a), a)
    assert np.array_equal(P.alphaless_gradient(z, a), a)       # k = 0 when S = 0
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(z, a)
    assert (alpha, scale) == n_alpha_scale(z, a) == (0.5, 2.0)


def test_scale_zero_gives_infinite_alpha():
    noise = np.array([1.0, 2.0, 3.0])
    model = np.array([0.0, 1.0, 0.0])  # smaller; k = 2, its coefficient 1 - k = -1
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(noise, model)
    assert scale == 0.0 and alpha == math.inf
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(model, noise)
    assert scale == 0.0 and alpha == -math.inf
    assert (alpha, scale) == n_alpha_scale(model, noise)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_inputs(kind):
    e = make(kind, np.zeros(0))
    r = P.vector_projection(e, e)
    assert len(flat64(r)) == 0
    assert P.order_tensors_by_norm(e, e)[0] is e
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(e, e)
    assert scale == 2.0 and alpha == 0.5


def test_large_input_is_deterministic_across_thread_counts():
    a, b = rand_pair("float64", 300_000, seed=3)
    try:
        P.set_num_threads(1)
        r1 = P.alphaless_gradient(a, b)
        s1 = P.calculate_equivalent_alpha_and_scaling_factor(a, b)
        P.set_num_threads(2)
        r2 = P.alphaless_gradient(a, b)
        s2 = P.calculate_equivalent_alpha_and_scaling_factor(a, b)
    finally:
        P.set_num_threads(0)
    assert r1.tobytes() == r2.tobytes() and s1 == s2


@needs_torch
def test_tensor_requiring_grad_is_read_and_result_is_detached():
    a = torch.randn(5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64)
    r = P.vector_projection(a, b)
    assert not r.requires_grad
    np.testing.assert_allclose(r.numpy(), n_vector_projection(a.detach(), b), rtol=1e-12)


# ---------------------------------------------------------------- no copies, out=

def test_inputs_are_not_copied():
    x = np.arange(6.0)
    with Operand(x, "a") as op:
        assert op.ptr == x.ctypes.data and op.n == 6
    ro = np.arange(6.0)
    ro.flags.writeable = False
    with Operand(ro, "a") as op:
        assert op.ptr == ro.ctypes.data
    if torch is not None:
        t = torch.arange(6, dtype=torch.float32)[2:]  # contiguous view with an offset
        with Operand(t, "a") as op:
            assert op.ptr == t.data_ptr() and op.n == 4
    arr = array.array("d", [1, 2, 3])
    with Operand(arr, "a") as op:
        assert op.ptr == arr.buffer_info()[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fn,ref", [
    (P.vector_projection, n_vector_projection),
    (P.project_out_smaller_tensor, n_project_out_smaller),
    (P.alphaless_gradient, n_alphaless_gradient)])
def test_out_argument_and_in_place(kind, fn, ref):
    a_np, b_np = rand_pair("float64", 9, seed=11)
    want = ref(a_np, b_np)
    a, b = make(kind, a_np.copy()), make(kind, b_np.copy())
    out = make(kind, np.full(9, 7.0))
    assert fn(a, b, out=out) is out
    np.testing.assert_allclose(flat64(out), want, rtol=1e-12, atol=1e-12)
    # out of another kind and shape, same element type and count
    out2 = np.empty((3, 3))
    assert fn(a, b, out=out2) is out2
    np.testing.assert_allclose(out2.ravel(), want, rtol=1e-12, atol=1e-12)
    # in place: out is exactly a, then exactly b
    assert fn(a, b, out=a) is a
    np.testing.assert_allclose(flat64(a), want, rtol=1e-12, atol=1e-12)
    a, b = make(kind, a_np.copy()), make(kind, b_np.copy())
    assert fn(a, b, out=b) is b
    np.testing.assert_allclose(flat64(b), want, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- errors in the binding

def test_unsupported_kinds_are_type_errors():
    good = np.zeros(3)
    for bad in ([1.0, 2.0, 3.0], (1.0, 2.0, 3.0), 3.0, "abc", None):
        with pytest.raises(TypeError, match="expected a NumPy array"):
            P.vector_projection(bad, good)
    if torch is not None:
        with pytest.raises(TypeError, match="sparse|layout"):
            P.vector_projection(torch.zeros(3).to_sparse(), torch.zeros(3))


@pytest.mark.parametrize("bad", [
    np.zeros(3, dtype=np.int32), np.zeros(3, dtype=">f8"), np.zeros(3, dtype=">f2"),
    np.zeros(3, dtype=np.complex128), np.zeros(3, dtype=np.longdouble), bytes(24),
    bytearray(24), array.array("i", [1, 2, 3])]
    + ([torch.zeros(3, dtype=torch.int64), torch.zeros(3, dtype=torch.complex64)]
       if torch is not None else []))
def test_wrong_element_type_is_type_error(bad):
    with pytest.raises(TypeError, match="not supported"):
        P.vector_projection(bad, bad)
    with pytest.raises(TypeError):
        P.order_tensors_by_norm(bad, bad)
    with pytest.raises(TypeError):
        P.calculate_equivalent_alpha_and_scaling_factor(bad, bad)


def test_mixed_element_types_are_type_errors():
    with pytest.raises(TypeError, match="same element type"):
        P.vector_projection(np.zeros(3, np.float32), np.zeros(3, np.float64))
    if torch is not None:
        with pytest.raises(TypeError, match="same element type"):
            P.alphaless_gradient(torch.zeros(3), torch.zeros(3, dtype=torch.float64))
    with pytest.raises(TypeError, match="same element type"):
        P.alphaless_gradient(np.zeros(3, np.float16), np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="same element type"):
        P.vector_projection(np.zeros(3), np.zeros(3), out=np.zeros(3, np.float32))


def test_size_mismatch_is_value_error():
    for fn in (P.vector_projection, P.project_out_smaller_tensor, P.alphaless_gradient,
               P.order_tensors_by_norm, P.calculate_equivalent_alpha_and_scaling_factor):
        with pytest.raises(ValueError, match="3 elements but .* has 4"):
            fn(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="same size"):
        P.vector_projection(np.zeros(3), np.zeros(3), out=np.zeros(2))


def test_non_contiguous_is_value_error():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="not C-contiguous"):
        P.vector_projection(x[::2], x[:5])
    with pytest.raises(ValueError, match="not C-contiguous"):
        P.vector_projection(np.zeros((4, 4)).T, np.zeros((4, 4)))
    if torch is not None:
        t = torch.zeros(4, 4)
        with pytest.raises(ValueError, match="not contiguous"):
            P.vector_projection(t.t(), t)
        with pytest.raises(ValueError, match="not contiguous"):
            P.vector_projection(torch.zeros(16)[::2], torch.zeros(8))
    with pytest.raises(ValueError, match="not C-contiguous"):
        P.vector_projection(np.zeros(3), np.zeros(3), out=np.zeros(6)[::2])


@needs_torch
def test_non_cpu_tensor_is_value_error():
    t = torch.empty(3, device="meta")
    with pytest.raises(ValueError, match="device 'meta'.*CPU"):
        P.vector_projection(t, t)


def test_bad_out_is_rejected():
    a = np.ones(3)
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        P.vector_projection(a, a, out=ro)
    with pytest.raises(ValueError, match="read-only"):
        P.vector_projection(a, a, out=memoryview(bytes(24)).cast("d"))
    if torch is not None:
        with pytest.raises(ValueError, match="requires grad"):
            P.vector_projection(torch.ones(3), torch.ones(3),
                                out=torch.zeros(3, requires_grad=True))
    with pytest.raises(TypeError, match="expected a NumPy array"):
        P.vector_projection(a, a, out=[0.0, 0.0, 0.0])


def test_bad_ord_is_type_error():
    with pytest.raises(TypeError, match="ord must be a real number"):
        P.order_tensors_by_norm(np.zeros(2), np.zeros(2), ord="fro")
    with pytest.raises(TypeError):
        P.order_tensors_by_norm(np.zeros(2), np.zeros(2), dim=0)  # other kw: not supported


# ---------------------------------------------------------------- errors from the library

def _assert_library_error(excinfo, status):
    e = excinfo.value
    assert isinstance(e, P.ProjectionError) and isinstance(e, ValueError)
    assert e.status == status
    assert e.message == P.status_string(status)
    assert P.status_string(status) in str(e)
    assert P._lib.STATUS_NAMES[status] in str(e)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nonfinite_input_raises_and_writes_nothing(dtype, bad):
    good = np.array([1.0, 2.0, 3.0], dtype=dtype)
    poisoned = good.copy()
    poisoned[1] = bad
    for fn in (P.vector_projection, P.project_out_smaller_tensor, P.alphaless_gradient):
        for x, y in ((poisoned, good), (good, poisoned)):
            out = np.full(3, 42.0, dtype=dtype)
            with pytest.raises(P.ProjectionError) as ei:
                fn(x, y, out=out)
            _assert_library_error(ei, P.ERR_NONFINITE)
            assert np.all(out == 42.0)  # nothing written
            keep = x.copy()
            with pytest.raises(P.ProjectionError):
                fn(x, y, out=x)  # in place: the input is not overwritten either
            np.testing.assert_array_equal(x, keep)
    for fn in (P.order_tensors_by_norm, P.calculate_equivalent_alpha_and_scaling_factor):
        with pytest.raises(P.ProjectionError) as ei:
            fn(good, poisoned)
        _assert_library_error(ei, P.ERR_NONFINITE)
    if torch is not None:
        t = torch.from_numpy(poisoned)
        with pytest.raises(P.ProjectionError) as ei:
            P.vector_projection(t, t)
        _assert_library_error(ei, P.ERR_NONFINITE)


def test_nan_ord_raises_argument_error():
    with pytest.raises(P.ProjectionError) as ei:
        P.order_tensors_by_norm(np.ones(2), np.ones(2), ord=math.nan)
    _assert_library_error(ei, P.ERR_ARGUMENT)
    assert "order_tensors_by_norm" in str(ei.value)


def test_partially_overlapping_out_raises_overlap_error():
    buf = np.arange(1.0, 9.0)
    a, b = buf[0:4], buf[4:8]
    keep = buf.copy()
    for fn in (P.vector_projection, P.project_out_smaller_tensor, P.alphaless_gradient):
        with pytest.raises(P.ProjectionError) as ei:
            fn(a, b, out=buf[1:5])
        _assert_library_error(ei, P.ERR_OVERLAP)
        np.testing.assert_array_equal(buf, keep)
    if torch is not None:
        t = torch.arange(1.0, 9.0)
        with pytest.raises(P.ProjectionError) as ei:
            P.alphaless_gradient(t[:4], t[4:], out=t[2:6])
        _assert_library_error(ei, P.ERR_OVERLAP)


def test_null_status_through_the_raw_library():
    # The bindings never pass NULL for n > 0; the raw handle shows the mapping still works.
    lib = P.load_library()
    status = lib.projection_vector_projection_f64(None, None, 3, None)
    assert status == P.ERR_NULL
    with pytest.raises(P.ProjectionError) as ei:
        P.check(status, "projection_vector_projection_f64")
    _assert_library_error(ei, P.ERR_NULL)
    assert lib.projection_equivalent_alpha_f32(None, None, 0, None, None) == P.ERR_NULL
    P.check(P.OK)  # no exception




# ---------------------------------------------------------------- float16 (version 1.1)

def _needs(group):
    return pytest.mark.skipif(not P.has(group), reason="the loaded library has no %s "
                              "functions (engine before 1.1)" % group)


def f16_tol():
    # inputs exact in double; output rounded once to float16: 1 ulp = 2^-10 relative
    return dict(rtol=2 ** -10, atol=2 ** -14)


@_needs("f16")
@pytest.mark.parametrize("shape", [(7,), (3, 5), (10_000,)])
def test_float16_arrays_match_reference(shape):
    n = int(np.prod(shape))
    a = np.random.default_rng(n).standard_normal(shape).astype(np.float16)
    b = (3 * np.random.default_rng(n + 1).standard_normal(shape)).astype(np.float16)
    for fn, ref in ((P.vector_projection, n_vector_projection),
                    (P.project_out_smaller_tensor, n_project_out_smaller),
                    (P.alphaless_gradient, n_alphaless_gradient)):
        r = fn(a, b)
        assert isinstance(r, np.ndarray) and r.dtype == np.float16 and r.shape == shape
        np.testing.assert_allclose(r.astype(np.float64).ravel(), ref(a, b), **f16_tol())
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(a, b)
    ra, rs = n_alpha_scale(a, b)  # the inputs are exact in double: so are the sums
    assert alpha == pytest.approx(ra, rel=1e-12) and scale == pytest.approx(rs, rel=1e-12)
    assert P.order_tensors_by_norm(a, b)[0] is n_order(a, b)[0]


def test_float16_without_the_16_bit_functions_says_so():
    if P.has("f16"):
        pytest.skip("the loaded library has the float16 functions")
    a = np.ones(3, np.float16)
    with pytest.raises(TypeError, match="needs the library's f16 functions"):
        P.alphaless_gradient(a, a)


def test_float16_result_needs_an_array_kind():
    a = memoryview(np.ones(3, np.float16))
    with pytest.raises(TypeError, match="float16 result needs"):
        P.vector_projection(a, a)


# ---------------------------------------------------------------- lists (version 1.1)

LIST_SHAPES = [(3, 4), (0,), (7,), (2, 2, 2), (1,)]


def rand_list(dtype, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in LIST_SHAPES]


def cat(xs):
    return np.concatenate([f64(x) for x in xs]) if xs else np.zeros(0)


def split_like(v, xs):
    out, i = [], 0
    for x in xs:
        out.append(v[i:i + x.size])
        i += x.size
    return out


@_needs("list")
@pytest.mark.parametrize("dtype", DTYPES)
def test_lists_are_one_vector(dtype):
    A, B = rand_list(dtype, 1), rand_list(dtype, 2, 3.0)
    for fn, ref in ((P.vector_projection, n_vector_projection),
                    (P.project_out_smaller_tensor, n_project_out_smaller),
                    (P.alphaless_gradient, n_alphaless_gradient)):
        got = fn(A, B)
        assert isinstance(got, list) and len(got) == len(A)
        for g, x, w in zip(got, A, split_like(ref(cat(A), cat(B)), A)):
            assert g.shape == x.shape and g.dtype == x.dtype
            np.testing.assert_allclose(f64(g), w, **tol(dtype))
        # bitwise the single call on the concatenation (SPEC §7)
        single = fn(np.concatenate([x.ravel() for x in A]), np.concatenate([y.ravel() for y in B]))
        assert np.concatenate([g.ravel() for g in got]).tobytes() == single.tobytes()
    al, sc = P.calculate_equivalent_alpha_and_scaling_factor(A, B)
    assert (al, sc) == P.calculate_equivalent_alpha_and_scaling_factor(
        np.concatenate([x.ravel() for x in A]), np.concatenate([y.ravel() for y in B]))
    assert al == pytest.approx(n_alpha_scale(cat(A), cat(B))[0], rel=1e-6)
    s, l = P.order_tensors_by_norm(A, B)
    assert (s, l) == ((A, B) if n_norm(cat(A)) <= n_norm(cat(B)) else (B, A))
    assert s is (A if n_norm(cat(A)) <= n_norm(cat(B)) else B)
    out = [np.full_like(x, 7) for x in A]
    assert P.alphaless_gradient(A, B, out=out) is out
    np.testing.assert_allclose(cat(out), n_alphaless_gradient(cat(A), cat(B)), **tol(dtype))


@_needs("each")
@pytest.mark.parametrize("dtype", DTYPES)
def test_lists_each(dtype):
    A, B = rand_list(dtype, 3), rand_list(dtype, 4, 0.5)
    got = P.alphaless_gradient(A, B, each=True)
    for g, x, y in zip(got, A, B):
        assert g.tobytes() == P.alphaless_gradient(x, y).tobytes()
    al, sc = P.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True)
    assert (al, sc) == tuple(map(list, zip(*[
        P.calculate_equivalent_alpha_and_scaling_factor(x, y) for x, y in zip(A, B)])))
    pairs = P.order_tensors_by_norm(A, B, ord=1, each=True)
    assert [p[0] is P.order_tensors_by_norm(x, y, ord=1)[0] for p, x, y in zip(pairs, A, B)] \
        == [True] * len(A)


def test_lists_without_the_list_functions_say_so():
    if P.has("list"):
        pytest.skip("the loaded library has the list functions")
    A = rand_list("float32", 1)
    with pytest.raises(TypeError, match="needs the library's list functions"):
        P.alphaless_gradient(A, A)


def test_bad_lists():
    A, B = rand_list("float32", 1), rand_list("float32", 2)
    with pytest.raises(ValueError, match="5 arrays but model_grad has 4"):
        P.alphaless_gradient(A, B[:4])
    with pytest.raises(TypeError, match="a list must have one element type"):
        P.vector_projection(A[:2] + [A[2].astype(np.float64)], B[:2] + [B[2].astype(np.float64)])
    with pytest.raises(TypeError, match=r"b\[1\]: expected a NumPy array"):
        P.vector_projection(A[:2], [B[0], "x"])
    with pytest.raises(TypeError, match="expected a list or tuple"):
        P.vector_projection(A, B[0])
    with pytest.raises(ValueError, match=r"a\[0\] has 12 elements but b\[0\] has 7"):
        P.vector_projection([A[0]], [B[2]])
    with pytest.raises(TypeError, match="nested list"):
        P.vector_projection([A], [B])
    with pytest.raises(ValueError, match="noise_grad has 5 arrays but out has 1"):
        P.alphaless_gradient(A, B, out=[A[0]])
