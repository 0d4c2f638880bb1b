"""fork() after a parallel call (issue 12): os.fork, a multiprocessing "fork" pool and a
torch DataLoader with fork workers must finish, with results bitwise equal to the
parent's. Each has a time limit, so a hang fails the test instead of stalling the run."""

import hashlib
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

import projection as P

try:
    import torch
except ImportError:  # the NumPy-2 stage of test-ecosystem has no PyTorch
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed here")

N = (1 << 20) + 3   # above the parallel threshold (65,536)
LIMIT = 30          # seconds for any child, pool or loader

_rng = np.random.default_rng(12)
A64 = _rng.standard_normal(N)
B64 = 0.75 * _rng.standard_normal(N) + 0.25 * A64
A32 = A64.astype(np.float32)
B32 = B64.astype(np.float32)


def digest():
    """Every operation on float32 and float64 data, as one hash of the exact bits, and
    the thread count the library reports."""
    h = hashlib.sha256()
    for a, b in ((A32, B32), (A64, B64)):
        alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(a, b)
        h.update(np.array([alpha, scale]).tobytes())
        h.update(P.alphaless_gradient(a, b).tobytes())
        h.update(P.vector_projection(a, b).tobytes())
        h.update(P.project_out_smaller_tensor(a, b).tobytes())
        h.update(b"swapped" if P.order_tensors_by_norm(a, b)[0] is b else b"kept")
    return h.hexdigest(), P.get_num_threads()


@pytest.fixture
def parallel_parent():
    """The parent opens an OpenMP team (4 threads, whatever the machine) before forking."""
    P.set_num_threads(1)
    serial, _ = digest()
    P.set_num_threads(4)
    parallel, threads = digest()
    assert threads == 4
    assert parallel == serial
    yield parallel
    P.set_num_threads(0)


def _wait(pid, limit=LIMIT):
    """The exit status of `pid`; kills it and fails the test if it runs past `limit`."""
    deadline = time.monotonic() + limit
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("a forked child did not finish within %d s (hung)" % limit)
        time.sleep(0.01)


def _fork(body):
    """Runs body() -> str in a forked child; returns what it wrote, or fails on a hang."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(r)
            signal.alarm(LIMIT + 5)  # a backstop should the parent be gone
            os.write(w, body().encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    status = _wait(pid)
    with os.fdopen(r) as f:
        out = f.read()
    assert status == 0, "the child failed (exit status %d)" % status
    return out


def _child_and_grandchild():
    mine, threads = digest()
    grand = _fork(lambda: "%s %d" % digest())
    return "%s %d | %s" % (mine, threads, grand)


def test_os_fork_child_grandchild_and_parent_afterwards(parallel_parent):
    out = _fork(_child_and_grandchild)
    child, grandchild = (part.split() for part in out.split(" | "))
    assert child == [parallel_parent, "4"]          # bitwise equal, and a full team
    assert grandchild == [parallel_parent, "4"]
    assert digest() == (parallel_parent, 4)         # the parent afterwards


def _pool_task(i):
    return i, digest()


def test_multiprocessing_fork_pool(parallel_parent):
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        try:
            results = pool.map_async(_pool_task, range(4)).get(timeout=LIMIT)
        except multiprocessing.TimeoutError:
            pytest.fail("the fork pool's workers did not answer within %d s (hung)" % LIMIT)
    assert sorted(i for i, _ in results) == [0, 1, 2, 3]
    assert all(d == (parallel_parent, 4) for _, d in results)
    assert digest() == (parallel_parent, 4)


class _Gradients(torch.utils.data.Dataset if torch is not None else object):
    """Each item calls the library on N elements (torch tensors, float32 and float64)."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        a32, b32 = torch.from_numpy(A32), torch.from_numpy(B32)
        alpha, scale = P.calculate_equivalent_alpha_and_scaling_factor(a32, b32)
        g32 = P.alphaless_gradient(a32, b32)
        g64 = P.alphaless_gradient(torch.from_numpy(A64), torch.from_numpy(B64))
        h = hashlib.sha256(g32.numpy().tobytes() + g64.numpy().tobytes()).hexdigest()
        return torch.tensor([alpha, scale], dtype=torch.float64), h


@needs_torch
def test_torch_dataloader_with_fork_workers(parallel_parent):
    ds = _Gradients()
    want_scalars, want_hash = ds[0]  # in the parent, in parallel
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2,
                                         multiprocessing_context="fork", timeout=LIMIT)
    items = 0
    try:
        for scalars, h in loader:
            assert torch.equal(scalars, want_scalars)   # bitwise
            assert h == want_hash
            items += 1
    except RuntimeError as e:
        if "timed out" in str(e):
            pytest.fail("the DataLoader's fork workers did not answer within %d s (hung)"
                        % LIMIT)
        raise
    assert items == 4
    assert digest() == (parallel_parent, 4)


@needs_torch
def test_os_fork_after_torch_parallel_ops():
    """The main thread's OpenMP pool was opened by PyTorch (which shares libgomp when
    built with it), not by the library: the child's calls must still finish."""
    P.set_num_threads(1)
    serial, _ = digest()       # no team of the library's in this step
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        x = torch.arange(1 << 22, dtype=torch.float64)
        assert float((x * 2).sum()) == float((1 << 22) * ((1 << 22) - 1))  # in parallel
        P.set_num_threads(4)
        out = _fork(lambda: "%s %d" % digest())
    finally:
        torch.set_num_threads(before)
        P.set_num_threads(0)
    assert out.split() == [serial, "4"]
