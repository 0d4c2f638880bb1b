"""projection.distributed (SPEC §8 from Python): Partials on their own (every stage, also
without PyTorch), then real groups: 1, 2, 3 and 4 processes over torch.distributed with
the gloo backend on loopback (forked with torch.multiprocessing), and 1-4 ranks over
mpi4py under mpirun. The scenarios the groups run are in dist_scenarios.py: bitwise
equality with the single call for shards at block offsets (float32, float64, bfloat16,
float16; lists of tensors), the same bits for any number of processes, NaN/Inf on one
rank and a corrupted struct on one rank refused alike on every rank with nothing written.
Every group runs under a time limit: a hang fails the test instead of stalling the run."""

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import traceback

import numpy as np
import pytest

import projection as P
import projection.distributed as D
import dist_scenarios

try:
    import torch
    import torch.distributed as dist
except ImportError:  # the NumPy-2 stage of test-ecosystem has no PyTorch
    torch = dist = None

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 60  # seconds for a whole group (start, every scenario, exit)

pytestmark = pytest.mark.skipif(not P.has("partials"),
                                reason="the loaded library has no partials functions")
needs_gloo = pytest.mark.skipif(torch is None or not dist.is_available()
                                or not dist.is_gloo_available(),
                                reason="PyTorch with torch.distributed and gloo is not installed here")
B = D.BLOCK


def data(n, dtype, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x.astype(dtype), (0.7 * rng.standard_normal(n) - 0.2 * x).astype(dtype)


def sentinel_like(x):
    return np.full_like(x, 7.0)


# ====================================================================== Partials alone

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_shards_at_block_offsets_merge_to_the_single_call(dtype):
    n = 4 * B + 321
    a, b = data(n, dtype)
    cuts = [0, B, 3 * B, 3 * B, n]  # one empty shard
    parts = [D.Partials().add(a[lo:hi], b[lo:hi], lo) for lo, hi in zip(cuts, cuts[1:])]
    fwd, rev = D.Partials(), D.Partials()
    for p in parts:
        fwd.merge(p)
    for p in reversed(parts):
        rev.merge(p)
    tree = parts[0].copy().merge(parts[1]).merge(parts[2].copy().merge(parts[3]))
    assert fwd == rev == tree  # exact merge: the same bytes in any order
    assert fwd.status() == P.OK
    assert fwd.equivalent_alpha() == P.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert fwd.order_by_norm() == dist_scenarios.ref_norms(a, b)
    for op, name in dist_scenarios.OPS:
        want = getattr(P, name)(a, b)
        got = np.concatenate([getattr(fwd, op)(a[lo:hi], b[lo:hi])
                              for lo, hi in zip(cuts, cuts[1:])])
        assert got.tobytes() == want.tobytes(), op


def test_one_call_equals_the_list_call_for_a_list_at_block_offsets():
    shapes = [(2, B), (B,), (1000,)]
    A = [data(int(np.prod(s)), np.float32, i)[0].reshape(s) for i, s in enumerate(shapes)]
    Bs = [data(int(np.prod(s)), np.float32, i)[1].reshape(s) for i, s in enumerate(shapes)]
    p = D.Partials().add(A[:2], Bs[:2], 0).add([A[2]], [Bs[2]], [3 * B])
    assert p == D.Partials().add(A, Bs, [0, 2 * B, 3 * B])  # offsets as a list or one int
    assert p.equivalent_alpha() == P.calculate_equivalent_alpha_and_scaling_factor(A, Bs)
    got = p.alphaless_gradient(A, Bs)
    want = P.alphaless_gradient(A, Bs)
    assert [g.tobytes() for g in got] == [w.tobytes() for w in want]
    assert [g.shape for g in got] == [w.shape for w in want]


def test_unaligned_cuts_are_within_the_bound():
    n = 3 * B + 5
    a, b = data(n, np.float64, 3)
    cuts = [0, 1000, 1001, B + 17, 2 * B + 4000, n]
    p = D.Partials()
    for lo, hi in zip(cuts, cuts[1:]):
        p.add(a[lo:hi], b[lo:hi], lo)
    al, sc = p.equivalent_alpha()
    ral, rsc = P.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert abs(al - ral) <= 1e-13 * abs(ral) and abs(sc - rsc) <= 1e-13 * abs(rsc)
    g = p.alphaless_gradient(a, b)
    want = P.alphaless_gradient(a, b)
    assert np.abs(g - want).max() <= 4 * 2.0 ** -52 * np.abs(np.concatenate([a, b])).max()


def test_bytes_round_trip_and_every_corruption_is_refused():
    a, b = data(2 * B + 3, np.float32)
    p = D.Partials().add(a, b, 0)
    raw = p.to_bytes()
    assert isinstance(raw, bytes) and len(raw) == D.PARTIALS_SIZE == D.Partials.SIZE
    assert bytes(p) == raw
    assert D.Partials.from_bytes(raw) == p
    assert D.Partials.from_bytes(bytearray(raw)) == p
    assert D.Partials.from_bytes(np.frombuffer(raw, np.uint64)) == p  # any bytes-like object
    with pytest.raises(ValueError, match="2048 bytes"):
        D.Partials.from_bytes(raw[:-1])
    with pytest.raises(P.ProjectionError) as e:
        D.Partials.from_bytes(bytes(D.PARTIALS_SIZE))
    assert e.value.status == P.ERR_PARTIALS
    for i in (0, 7, 8, 100, 1000, 2000, D.PARTIALS_SIZE - 1):  # header, digits, checksum
        bad = bytearray(raw)
        bad[i] ^= 0x04
        with pytest.raises(P.ProjectionError) as e:
            D.Partials.from_bytes(bad)
        assert e.value.status == P.ERR_PARTIALS, i
        q = D.Partials.from_bytes(bad, validate=False)
        assert q.status() == P.ERR_PARTIALS
        out = sentinel_like(a)
        with pytest.raises(P.ProjectionError) as e:
            q.alphaless_gradient(a, b, out=out)
        assert e.value.status == P.ERR_PARTIALS
        assert (out == 7.0).all()
        with pytest.raises(P.ProjectionError):
            q.equivalent_alpha()
        before = p.to_bytes()
        with pytest.raises(P.ProjectionError) as e:
            p.merge(q)
        assert e.value.status == P.ERR_PARTIALS and p.to_bytes() == before
    assert "not valid" in repr(D.Partials.from_bytes(bytes(D.PARTIALS_SIZE), validate=False))


def test_nonfinite_is_a_flag_and_nothing_is_written():
    a, b = data(B + 10, np.float32)
    b[B + 3] = np.inf
    p = D.Partials().add(a, b, 0)  # succeeds
    assert p.status() == P.ERR_NONFINITE and "NaN/Inf" in repr(p)
    q = D.Partials.from_bytes(p.to_bytes())  # valid bytes, carrying the flag
    merged = D.Partials().add(a[:1], a[:1], 10 * B).merge(q)
    for x in (p, q, merged):
        with pytest.raises(P.ProjectionError) as e:
            x.order_by_norm()
        assert e.value.status == P.ERR_NONFINITE
        with pytest.raises(P.ProjectionError):
            x.equivalent_alpha()
        for op, _ in dist_scenarios.OPS:
            out = sentinel_like(a)
            with pytest.raises(P.ProjectionError):
                getattr(x, op)(a, b, out=out)
            assert (out == 7.0).all()
            keep = a.copy()
            with pytest.raises(P.ProjectionError):
                getattr(x, op)(a, b, out=a)
            assert a.tobytes() == keep.tobytes()
        with pytest.raises(P.ProjectionError) as e:
            x.check()
        assert e.value.status == P.ERR_NONFINITE


def test_merge_and_add_errors_leave_the_partials_unchanged():
    a, b = data(100, np.float32)
    p = D.Partials().add(a, b, 0)
    before = p.to_bytes()
    with pytest.raises(P.ProjectionError) as e:
        p.merge(p)
    assert e.value.status == P.ERR_OVERLAP
    with pytest.raises(TypeError):
        p.merge(before)
    with pytest.raises(ValueError, match="same size"):
        p.add(a, b[:-1], 0)
    with pytest.raises(TypeError, match="same element type"):
        p.add(a, b.astype(np.float64), 0)
    with pytest.raises(ValueError, match="outside"):
        p.add(a, b, -1)
    with pytest.raises(TypeError, match="offset"):
        p.add(a, b, 1.5)
    with pytest.raises(P.ProjectionError) as e:  # offset + n beyond 2**64
        p.add(a, b, 2 ** 64 - 50)
    assert e.value.status == P.ERR_ARGUMENT
    with pytest.raises(P.ProjectionError):  # the second tensor fails: the first not kept
        p.add([a, a], [b, b], [0, 2 ** 64 - 50])
    with pytest.raises(ValueError, match="entries"):
        p.add([a, a], [b, b], [0])
    with pytest.raises(TypeError, match="not lists"):
        p.add(a, b, [0])
    with pytest.raises(ValueError, match="same length"):
        p.add([a, a], [b], 0)
    assert p.to_bytes() == before
    assert p.add([], [], 5) is p and p.to_bytes() == before  # an empty list adds nothing


def test_a_list_output_overlapping_another_segment_is_refused():
    a, b = data(2 * B, np.float32)
    A, Bs = [a[:B], a[B:]], [b[:B], b[B:]]
    p = D.Partials().add(A, Bs, 0)
    keep = a.tobytes()
    with pytest.raises(P.ProjectionError) as e:  # out[0] is the input of segment 1
        p.alphaless_gradient(A, Bs, out=[A[1], sentinel_like(A[1])])
    assert e.value.status == P.ERR_OVERLAP and a.tobytes() == keep
    out = [sentinel_like(x) for x in A]
    with pytest.raises(P.ProjectionError):      # two outputs overlap
        p.alphaless_gradient(A, Bs, out=[out[0], out[0]])
    assert all((o == 7.0).all() for o in out)
    whole = np.zeros(B + 1, np.float32)
    whole[:B] = A[1]
    with pytest.raises(P.ProjectionError) as e:  # out[1] starts one element into its own
        p.alphaless_gradient([A[0], whole[:B]], Bs,  # input: refused before segment 0 is
                             out=[out[0], whole[1:]])  # written
    assert e.value.status == P.ERR_OVERLAP and (out[0] == 7.0).all()
    assert whole[:B].tobytes() == A[1].tobytes()
    got = p.alphaless_gradient(A, Bs, out=A)    # exactly its own input: in place
    assert got is A
    assert np.concatenate(A).tobytes() == P.alphaless_gradient(
        np.frombuffer(keep, np.float32), b).tobytes()


def test_mpi_user_operation_on_buffers():
    """The mpi4py reduction function itself (no MPI needed): merges every struct of the
    buffers, and an invalid operand on either side gives the invalid all-zero struct."""
    a, b = data(3 * B, np.float64)
    x = D.Partials().add(a[:B], b[:B], 0)
    y = D.Partials().add(a[B:], b[B:], B)
    inout = bytearray(x.to_bytes() + y.to_bytes())
    D._mpi_merge(memoryview(y.to_bytes() + x.to_bytes()), inout, None)
    assert bytes(inout[:D.PARTIALS_SIZE]) == x.copy().merge(y).to_bytes()
    assert bytes(inout[D.PARTIALS_SIZE:]) == y.copy().merge(x).to_bytes()
    bad = bytearray(x.to_bytes())
    bad[50] ^= 1
    for src, dst in ((bytes(bad), bytearray(y.to_bytes())), (y.to_bytes(), bytearray(bad)),
                     (bytes(D.PARTIALS_SIZE), bytearray(y.to_bytes()))):
        D._mpi_merge(src, dst, None)
        assert dst == bytes(D.PARTIALS_SIZE)
    assert D._merge_all([x.to_bytes(), bytes(bad)]) == bytes(D.PARTIALS_SIZE)


def test_float16_result_needs_an_array_kind():
    a, b = data(10, np.float16)
    p = D.Partials().add(a, b)
    assert p.alphaless_gradient(a, b).dtype == np.float16
    with pytest.raises(TypeError, match="float16"):
        p.alphaless_gradient(memoryview(a), memoryview(b))


@needs_gloo
def test_torch_tensors_off_the_cpu_and_an_uninitialized_group_are_refused():
    x = torch.empty(10, device="meta")
    with pytest.raises(ValueError, match="CPU"):
        D.Partials().add(x, x, 0)
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        D.all_reduce(D.Partials())
    with pytest.raises(ValueError, match="not both"):
        D.all_reduce(D.Partials(), group=object(), comm=object())


# ====================================================================== process groups

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_group(world, results):
    """No failed check on any rank; the same merged bytes on every rank."""
    assert len(results) == world
    failures = [f for r in results for f in r["failures"]]
    assert not failures, "\n".join(failures[:20])
    for scenario, digest in results[0]["merged"].items():
        assert all(r["merged"].get(scenario) == digest for r in results), scenario
    tensors = {}
    for r in results:
        tensors.update(r["tensors"])
    return {"results": results[0]["results"], "tensors": tensors}


def _same_for_every_size(runs):
    """Every scalar (and, for the unaligned list, every output tensor) bitwise the same
    for 1, 2, 3 and 4 processes."""
    first = runs[min(runs)]
    for world, got in runs.items():
        assert got["results"] == first["results"], world
        assert got["tensors"] == first["tensors"], world
    assert len(first["tensors"]) == 3 * len(dist_scenarios.LIST_RAGGED)


# ---------------------------------------------------------------- torch.distributed, gloo

def _gloo_rank(rank, world, port, conn):
    """One rank (a forked process): a gloo group on loopback, every scenario."""
    try:
        torch.set_num_threads(1)  # small tensors; no intra-op team in a forked child
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        import datetime
        dist.init_process_group("gloo", rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=LIMIT - 10))
        group = dist.new_group(list(range(world)))
        res = dist_scenarios.run(rank, world, "torch", {}, extra_group_kw={"group": group})
        dist.barrier()
        dist.destroy_process_group()
    except BaseException:  # noqa: BLE001 - reported to the test process
        res = {"failures": ["[world %d rank %d] %s" % (world, rank, traceback.format_exc())],
               "results": {}, "merged": {}, "tensors": {}}
    conn.send(res)
    conn.close()


def run_forked_group(world, target, *args):
    """Runs target(rank, world, port, conn, *args) in `world` forked processes; returns
    what each sent, in rank order. Fails (and kills them) past LIMIT seconds."""
    import torch.multiprocessing as mp
    ctx = mp.get_context("fork")
    port = _free_port()
    procs, conns = [], []
    try:
        for rank in range(world):
            recv, send = ctx.Pipe(duplex=False)
            pr = ctx.Process(target=target, args=(rank, world, port, send) + args, daemon=True)
            pr.start()
            send.close()
            procs.append(pr)
            conns.append(recv)
        deadline = time.monotonic() + LIMIT
        results = []
        for rank, conn in enumerate(conns):
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                pytest.fail("rank %d of %d did not answer within %d s (hung)"
                            % (rank, world, LIMIT))
            try:
                results.append(conn.recv())
            except EOFError:
                pytest.fail("rank %d of %d died (exit code %s)"
                            % (rank, world, procs[rank].exitcode))
        for rank, pr in enumerate(procs):
            pr.join(max(0.1, deadline - time.monotonic()))
            assert pr.exitcode == 0, "rank %d of %d exited with %s" % (rank, world, pr.exitcode)
        return results
    finally:
        for pr in procs:
            if pr.is_alive():
                pr.kill()
                pr.join()


_GLOO = {}


def gloo(world):
    if world not in _GLOO:
        _GLOO[world] = _check_group(world, run_forked_group(world, _gloo_rank))
    return _GLOO[world]


@needs_gloo
@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_torch_distributed_gloo(world):
    gloo(world)


@needs_gloo
def test_torch_distributed_same_bits_for_1_to_4_processes():
    _same_for_every_size({w: gloo(w) for w in (1, 2, 3, 4)})


# ---------------------------------------------------------------- mpi4py under mpirun

def _mpirun():
    exe = shutil.which("mpirun") or shutil.which("mpiexec")
    if exe is None:
        return None, []
    flags = []
    try:
        v = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        if re.search("Open MPI|OpenRTE", v.stdout + v.stderr):
            flags = ["--oversubscribe", "--timeout", str(LIMIT)]
            if os.geteuid() == 0:
                flags.append("--allow-run-as-root")
    except (OSError, subprocess.SubprocessError):
        return None, []
    return exe, flags


MPIRUN, MPIRUN_FLAGS = _mpirun()
needs_mpi4py = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIRUN is None,
    reason="mpi4py or mpirun is not installed here (Debian: python3-mpi4py, openmpi-bin)")
_MPI = {}


def mpi(world):
    if world not in _MPI:
        import json
        cmd = [MPIRUN] + MPIRUN_FLAGS + ["-np", str(world), sys.executable,
                                         os.path.join(HERE, "dist_mpi_worker.py"), str(world)]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT + 15)
        except subprocess.TimeoutExpired:
            pytest.fail("mpirun -np %d did not finish within %d s (hung)" % (world, LIMIT + 15))
        lines = [x for x in r.stdout.splitlines() if x.startswith("RESULTS ")]
        assert r.returncode == 0 and len(lines) == 1, (r.returncode, r.stdout[-3000:],
                                                       r.stderr[-3000:])
        _MPI[world] = _check_group(world, json.loads(lines[0][len("RESULTS "):]))
    return _MPI[world]


@needs_mpi4py
@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_mpi4py_ranks(world):
    mpi(world)


@needs_mpi4py
def test_mpi4py_same_bits_for_1_to_4_ranks():
    _same_for_every_size({w: mpi(w) for w in (1, 2, 3, 4)})


# ---------------------------------------------------------------- the README's example

def _readme_rank(rank, world, port, conn, code):
    try:
        torch.set_num_threads(1)
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                          WORLD_SIZE=str(world))
        n, offset = 3 * B + 100, [0, 2 * B][rank]
        a, b = (torch.from_numpy(x) for x in data(n, np.float32, 5))
        hi = [2 * B, n][rank]
        env = {"noise_shard": a[offset:hi].clone(), "model_shard": b[offset:hi].clone(),
               "offset": offset}
        exec(compile(code, "README.md", "exec"), env)
        ok = (env["g"].numpy().tobytes() == P.alphaless_gradient(a, b)[offset:hi].numpy().tobytes()
              and (env["alpha"], env["scale"]) == P.calculate_equivalent_alpha_and_scaling_factor(a, b))
        dist.destroy_process_group()
        conn.send("ok" if ok else "the README example's results differ from the single call")
    except BaseException:  # noqa: BLE001
        conn.send(traceback.format_exc())
    conn.close()


@needs_gloo
def test_the_readme_torch_distributed_example_runs():
    """The README's torch.distributed block, as written, on two forked gloo ranks."""
    root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
    with open(os.path.join(root, "README.md")) as f:
        text = f.read()
    section = text[text.index("### Python over torch.distributed"):text.index("### Python\n")]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    assert "D.alphaless_gradient" in code and "init_process_group" in code
    assert run_forked_group(2, _readme_rank, code) == ["ok", "ok"]
