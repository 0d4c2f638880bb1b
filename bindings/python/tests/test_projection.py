"""Tests of the ctypes bindings against a PyTorch implementation of the original module."""

import array
import ctypes
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import projection as P
from projection._buffers import Operand

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)


# ---------------------------------------------------------------- reference (PyTorch)
# The original module's functions, written with torch in float64, with the SPEC's
# definition for projection onto the zero vector.

def t_vector_projection(a, b):
    bb = torch.dot(b, b)
    if bb == 0:
        return torch.zeros_like(a)
    return (torch.dot(a, b) / bb) * b


def t_order_tensors_by_norm(a, b, ord=2):
    na = torch.linalg.vector_norm(a, ord=ord)
    nb = torch.linalg.vector_norm(b, ord=ord)
    return (a, b) if na <= nb else (b, a)  # stable: ties keep (a, b)


def t_project_out_smaller_tensor(a, b):
    s, l = t_order_tensors_by_norm(a, b)
    return l - t_vector_projection(l, s)


def _k(s, l):
    ss = torch.dot(s, s)
    return 0.0 if ss == 0 else float(torch.dot(l, s) / ss)


def t_alphaless_gradient(noise, model):
    s, l = t_order_tensors_by_norm(noise, model)
    return l + (1 - _k(s, l)) * s


def t_equivalent_alpha_and_scale(noise, model):
    s, l = t_order_tensors_by_norm(noise, model)
    k = _k(s, l)
    if s is noise:
        c_noise, c_model = 1 - k, 1.0
    else:
        c_noise, c_model = 1.0, 1 - k
    scale = c_noise + c_model
    alpha = c_noise / scale if scale != 0 else math.copysign(math.inf, c_noise)
    return alpha, scale


# ---------------------------------------------------------------- helpers

DTYPES = ["float32", "float64"]
KINDS = ["numpy", "torch", "array", "memoryview"]
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
    if isinstance(x, torch.Tensor):
        return x.detach().numpy().astype(np.float64).ravel()
    return np.array(np.asarray(x), dtype=np.float64).ravel()


def t64(x):
    return torch.from_numpy(flat64(x))


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
    assert P.version() == "1.0.0"
    assert lib.projection_version_number() == 10000
    assert P.simd_arch() in ("sse2", "fma3+avx2", "avx512bw")
    assert P.get_num_threads() >= 1


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
    for code in (P.OK, P.ERR_NULL, P.ERR_OVERLAP, P.ERR_ARGUMENT, P.ERR_NONFINITE, 99, -1):
        s = P.status_string(code)
        assert isinstance(s, str) and s
    assert P.status_string(P.ERR_NONFINITE) != P.status_string(P.OK)


# ---------------------------------------------------------------- values vs reference

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_vector_functions_match_torch(dtype, kind, shape):
    n = int(np.prod(shape))
    a_np, b_np = rand_pair(dtype, n, seed=n)
    a, b = make(kind, a_np, shape), make(kind, b_np, shape)
    ta, tb = t64(a_np), t64(b_np)

    r = P.vector_projection(a, b)
    check_kind(r, kind, dtype, shape)
    np.testing.assert_allclose(flat64(r), t_vector_projection(ta, tb).numpy(), **tol(dtype))

    for x, y, tx, ty in ((a, b, ta, tb), (b, a, tb, ta)):  # symmetric in its arguments
        r = P.project_out_smaller_tensor(x, y)
        check_kind(r, kind, dtype, shape)
        np.testing.assert_allclose(flat64(r), t_project_out_smaller_tensor(tx, ty).numpy(),
                                   **tol(dtype))
        r = P.alphaless_gradient(x, y)
        check_kind(r, kind, dtype, shape)
        np.testing.assert_allclose(flat64(r), t_alphaless_gradient(tx, ty).numpy(),
                                   **tol(dtype))
        alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(x, y)
        assert isinstance(alpha, float) and isinstance(scale, float)
        ra, rs = t_equivalent_alpha_and_scale(tx, ty)
        assert alpha == pytest.approx(ra, rel=1e-6 if dtype == "float32" else 1e-12)
        assert scale == pytest.approx(rs, rel=1e-6 if dtype == "float32" else 1e-12)
        # the defining identity: alphaless gradient == scale * composite gradient(alpha)
        np.testing.assert_allclose(scale * (alpha * tx + (1 - alpha) * ty).numpy(),
                                   t_alphaless_gradient(tx, ty).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 0, 3, 0.5, 2.0])
def test_order_tensors_by_norm_returns_the_objects(dtype, ord):
    rng = np.random.default_rng(7)
    for trial in range(20):
        a = rng.standard_normal(11).astype(dtype)
        b = rng.standard_normal(11).astype(dtype)
        b[rng.integers(0, 11)] = 0  # gives the 0-"norm" a difference now and then
        ta, tb = torch.from_numpy(a.astype(np.float64)), torch.from_numpy(b.astype(np.float64))
        na, nb = (float(torch.linalg.vector_norm(t, ord=ord)) for t in (ta, tb))
        if math.isclose(na, nb, rel_tol=1e-5):
            continue  # float32 rounding could decide either way; ties are tested below
        got = P.order_tensors_by_norm(a, b, ord=ord)
        want = t_order_tensors_by_norm(ta, tb, ord=ord)
        assert got[0] is (a if want[0] is ta else b)
        assert got[1] is (b if want[0] is ta else a)


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
    assert (alpha, scale) == t_equivalent_alpha_and_scale(t64(z), t64(a)) == (0.5, 2.0)


def test_scale_zero_gives_infinite_alpha():
    noise = np.array([1.0, 2.0, 3.0])
    model = np.array([0.0, 1.0, 0.0])  # smaller; k = 2, its coefficient 1 - k = -1
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(noise, model)
    assert scale == 0.0 and alpha == math.inf
    alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(model, noise)
    assert scale == 0.0 and alpha == -math.inf
    assert (alpha, scale) == t_equivalent_alpha_and_scale(t64(model), t64(noise))


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


def test_tensor_requiring_grad_is_read_and_result_is_detached():
    a = torch.randn(5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64)
    r = P.vector_projection(a, b)
    assert not r.requires_grad
    torch.testing.assert_close(r, t_vector_projection(a.detach(), b))


# ---------------------------------------------------------------- no copies, out=

def test_inputs_are_not_copied():
    x = np.arange(6.0)
    with Operand(x, "a") as op:
        assert op.ptr == x.ctypes.data and op.n == 6
    ro = np.arange(6.0)
    ro.flags.writeable = False
    with Operand(ro, "a") as op:
        assert op.ptr == ro.ctypes.data
    t = torch.arange(6, dtype=torch.float32)[2:]  # contiguous view with an offset
    with Operand(t, "a") as op:
        assert op.ptr == t.data_ptr() and op.n == 4
    arr = array.array("d", [1, 2, 3])
    with Operand(arr, "a") as op:
        assert op.ptr == arr.buffer_info()[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fn,ref", [
    (P.vector_projection, t_vector_projection),
    (P.project_out_smaller_tensor, t_project_out_smaller_tensor),
    (P.alphaless_gradient, t_alphaless_gradient)])
def test_out_argument_and_in_place(kind, fn, ref):
    a_np, b_np = rand_pair("float64", 9, seed=11)
    want = ref(t64(a_np), t64(b_np)).numpy()
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
    with pytest.raises(TypeError, match="sparse|layout"):
        P.vector_projection(torch.zeros(3).to_sparse(), torch.zeros(3))


@pytest.mark.parametrize("bad", [
    np.zeros(3, dtype=np.int32), np.zeros(3, dtype=np.float16), np.zeros(3, dtype=">f8"),
    np.zeros(3, dtype=np.complex128), bytes(24), bytearray(24),
    array.array("i", [1, 2, 3]), torch.zeros(3, dtype=torch.float16),
    torch.zeros(3, dtype=torch.int64), torch.zeros(3, dtype=torch.bfloat16)])
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
    with pytest.raises(TypeError, match="same element type"):
        P.alphaless_gradient(torch.zeros(3), torch.zeros(3, dtype=torch.float64))
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
    t = torch.zeros(4, 4)
    with pytest.raises(ValueError, match="not contiguous"):
        P.vector_projection(t.t(), t)
    with pytest.raises(ValueError, match="not contiguous"):
        P.vector_projection(torch.zeros(16)[::2], torch.zeros(8))
    with pytest.raises(ValueError, match="not C-contiguous"):
        P.vector_projection(np.zeros(3), np.zeros(3), out=np.zeros(6)[::2])


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
    with pytest.raises(ValueError, match="requires grad"):
        P.vector_projection(torch.ones(3), torch.ones(3), out=torch.zeros(3, requires_grad=True))
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


# ---------------------------------------------------------------- finding the library

def _run_loader(env_overrides, code="import projection; print(projection.library_path())"):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PROJECTION_LIBRARY", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR",
                        "LD_LIBRARY_PATH")}
    env.update(env_overrides)
    env["PYTHONPATH"] = PKG_ROOT
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


def _libdir():
    path = P.library_path()
    assert os.path.isabs(path), "tests expect the library loaded by path, got %r" % path
    return os.path.dirname(os.path.realpath(path))


def _pcdir():
    d = os.path.join(_libdir(), "pkgconfig")
    assert os.path.exists(os.path.join(d, "projection.pc")), d
    return d


def test_finds_library_by_environment_variable_file_and_directory():
    lib = os.path.join(_libdir(), "libprojection.so.1")
    r = _run_loader({"PROJECTION_LIBRARY": lib})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == lib
    r = _run_loader({"PROJECTION_LIBRARY": _libdir()})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == lib


def test_environment_variable_is_not_silently_replaced():
    r = _run_loader({"PROJECTION_LIBRARY": "/nonexistent/libprojection.so.1",
                     "PKG_CONFIG_PATH": _pcdir(), "LD_LIBRARY_PATH": _libdir()})
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr
    assert "PROJECTION_LIBRARY: /nonexistent/libprojection.so.1" in r.stderr


def test_finds_library_through_pkg_config():
    r = _run_loader({"PKG_CONFIG_PATH": _pcdir()})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(_libdir(), "libprojection.so.1")


def test_finds_library_on_the_system_search_path():
    r = _run_loader({"PKG_CONFIG_LIBDIR": "/nonexistent", "LD_LIBRARY_PATH": _libdir()})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "libprojection.so.1"


def test_not_found_error_lists_everything_tried():
    r = _run_loader({"PKG_CONFIG_LIBDIR": "/nonexistent"},
                    code="import projection, numpy\n"
                         "try:\n"
                         "    projection.vector_projection(numpy.zeros(1), numpy.zeros(1))\n"
                         "except projection.LibraryNotFoundError as e:\n"
                         "    print(e)\n")
    if "cannot load" not in r.stdout:
        pytest.skip("libprojection.so.1 is installed system-wide: %s" % (r.stdout or r.stderr))
    assert "pkg-config" in r.stdout
    assert "system search path: libprojection.so.1" in r.stdout
    assert "PROJECTION_LIBRARY" in r.stdout  # the hint


def test_loaded_the_expected_library():
    """scripts/test-ecosystem sets PROJECTION_EXPECT_LIBDIR to its staging prefix's lib."""
    want = os.environ.get("PROJECTION_EXPECT_LIBDIR")
    if not want:
        pytest.skip("PROJECTION_EXPECT_LIBDIR not set")
    assert os.path.samefile(_libdir(), want), (P.library_path(), want)


def test_a_library_that_is_not_projection_is_refused():
    r = _run_loader({"PROJECTION_LIBRARY": "libm.so.6"})
    assert r.returncode != 0
    assert "libm.so.6 is not the projection library" in r.stderr


def test_a_library_of_another_abi_major_is_refused():
    lib = os.path.join(_libdir(), "libprojection.so.1")
    r = _run_loader({"PROJECTION_LIBRARY": lib},
                    code="import projection._lib as L\nL.ABI_MAJOR = 2\nL.load_library()\n")
    assert r.returncode != 0
    assert "has ABI major 1, these bindings need 2" in r.stderr


def test_import_pulls_in_neither_numpy_nor_torch():
    lib = os.path.join(_libdir(), "libprojection.so.1")
    r = _run_loader({"PROJECTION_LIBRARY": lib},
                    code="import sys, projection, array\n"
                         "r = projection.vector_projection(array.array('d', [1, 2]),"
                         " array.array('d', [0, 1]))\n"
                         "assert isinstance(r, array.array) and list(r) == [0.0, 2.0], r\n"
                         "print('numpy' in sys.modules, 'torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]
