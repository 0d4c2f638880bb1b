#!/usr/bin/python3
"""The library through ctypes against tuned PyTorch and NumPy, in one process, float32.

Usage: /usr/bin/python3 bench/python_bench.py --lib build/bench/libprojection.so --out py.json

Then the Python package itself (bindings/python, loaded against the same --lib), under the
key "package" of the output: the per-call overhead at n = 1e3 of projection.torch against
the tuned PyTorch functions and the buffer API (`import projection`, the ctypes layer of
version 1.0); one alphaless_backward step over the 148 parameter tensors of GPT-2 small
against a PyTorch loop doing the same (and torch._foreach_*); a list of 2,000 tensors of
1,000 elements: the list and each calls against Python loops of per-tensor calls and
against PyTorch per tensor and multi-tensor; and a fresh output against out= at large n.
--package-only skips the kernel comparison above; --no-package skips this.

Then (key "distributed") the torch.distributed all-reduce of one partials struct
(projection.distributed.all_reduce: all-gather of the 2048-byte structs over gloo on
loopback, then the merge in rank order) on 1-4 forked processes, each call timed alone:
median and 10th/90th percentiles in microseconds, the slowest rank's, next to a bare gloo
all_gather of the same 2048 bytes, a gloo all_reduce of them with ReduceOp.BOR (no merge,
no checks), and one local Partials.merge. --distributed-ranks "" skips it;
--distributed-only runs nothing else (a smoke run: --distributed-iterations 300).

Every implementation works on the same NumPy buffers (PyTorch through torch.from_numpy,
no copies) and writes into a reused output. The PyTorch version is the tuned one a
careful user would write: torch.dot for the reductions, one fused torch.add(..., alpha=)
or torch.mul(..., out=) for the output, intra-op threads set to every core. The NumPy
version uses np.dot (BLAS sdot) and ufuncs with out=. Both reduce float32 in float32.
Repetitions of the implementations are interleaved, and medians are reported.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

# NumPy's OpenBLAS threads spin for ~0.1 s after each call; on a machine with few cores
# they would steal a core from the next sample's OpenMP team. NumPy runs last in each
# round, and the round ends with this pause.
PAUSE = 0.15

OPS = ["vector_projection", "order_by_norm", "project_out_smaller", "equivalent_alpha",
       "alphaless_gradient"]


def load_library(path):
    lib = ctypes.CDLL(path)
    vp = ctypes.c_void_p
    sz = ctypes.c_size_t
    pd = ctypes.POINTER(ctypes.c_double)
    pi = ctypes.POINTER(ctypes.c_int)
    sigs = {
        "projection_vector_projection_f32": [vp, vp, sz, vp],
        "projection_order_by_norm_f32": [vp, vp, sz, ctypes.c_double, pi, pd, pd],
        "projection_project_out_smaller_f32": [vp, vp, sz, vp],
        "projection_equivalent_alpha_f32": [vp, vp, sz, pd, pd],
        "projection_alphaless_gradient_f32": [vp, vp, sz, vp],
    }
    for name, args in sigs.items():
        getattr(lib, name).argtypes = args
        getattr(lib, name).restype = ctypes.c_int
    lib.projection_set_num_threads.argtypes = [ctypes.c_int]
    lib.projection_set_num_threads.restype = None
    lib.projection_get_num_threads.restype = ctypes.c_int
    lib.projection_simd_arch.restype = ctypes.c_char_p
    lib.projection_version_string.restype = ctypes.c_char_p
    return lib


def make_projection(lib, a, b, out):
    """Each op as a no-argument callable; results land in ctypes scalars / `out`."""
    n = a.size
    pa, pb, po = a.ctypes.data, b.ctypes.data, out.ctypes.data
    sw, na, nb = ctypes.c_int(), ctypes.c_double(), ctypes.c_double()
    alpha, scale = ctypes.c_double(), ctypes.c_double()
    psw, pna, pnb = ctypes.pointer(sw), ctypes.pointer(na), ctypes.pointer(nb)
    pal, psc = ctypes.pointer(alpha), ctypes.pointer(scale)
    f_vp, f_ob = lib.projection_vector_projection_f32, lib.projection_order_by_norm_f32
    f_pos, f_ea = lib.projection_project_out_smaller_f32, lib.projection_equivalent_alpha_f32
    f_ag = lib.projection_alphaless_gradient_f32

    def check(rc):
        if rc != 0:
            raise RuntimeError(f"projection returned status {rc}")

    return {
        "vector_projection": lambda: f_vp(pa, pb, n, po),
        "order_by_norm": lambda: f_ob(pa, pb, n, 2.0, psw, pna, pnb),
        "project_out_smaller": lambda: f_pos(pa, pb, n, po),
        "equivalent_alpha": lambda: f_ea(pa, pb, n, pal, psc),
        "alphaless_gradient": lambda: f_ag(pa, pb, n, po),
    }, (lambda: (alpha.value, scale.value, sw.value)), check


def make_torch(a, b, out):
    ta, tb, to = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
    res = {}

    def vector_projection():
        c = torch.dot(ta, tb) / torch.dot(tb, tb)
        torch.mul(tb, c, out=to)

    def order_by_norm():
        res["swapped"] = bool(torch.dot(ta, ta) > torch.dot(tb, tb))

    def sums():
        return torch.dot(ta, ta).item(), torch.dot(tb, tb).item(), torch.dot(ta, tb).item()

    def project_out_smaller():
        aa, bb, ab = sums()
        S, L, ss = (tb, ta, bb) if aa > bb else (ta, tb, aa)
        k = ab / ss if ss != 0 else 0.0
        torch.add(L, S, alpha=-k, out=to)

    def equivalent_alpha():
        nn, mm, nm = sums()
        res["alpha"], res["scale"] = alpha_from(nn, mm, nm)

    def alphaless_gradient():
        nn, mm, nm = sums()
        S, L, ss = (tb, ta, mm) if nn > mm else (ta, tb, nn)
        k = nm / ss if ss != 0 else 0.0
        torch.add(L, S, alpha=1.0 - k, out=to)

    return {"vector_projection": vector_projection, "order_by_norm": order_by_norm,
            "project_out_smaller": project_out_smaller, "equivalent_alpha": equivalent_alpha,
            "alphaless_gradient": alphaless_gradient}, res


def make_numpy(a, b, out):
    res = {}

    def vector_projection():
        c = np.dot(a, b) / np.dot(b, b)
        np.multiply(b, c, out=out)

    def order_by_norm():
        res["swapped"] = bool(np.dot(a, a) > np.dot(b, b))

    def sums():
        return float(np.dot(a, a)), float(np.dot(b, b)), float(np.dot(a, b))

    def project_out_smaller():
        aa, bb, ab = sums()
        S, L, ss = (b, a, bb) if aa > bb else (a, b, aa)
        k = ab / ss if ss != 0 else 0.0
        np.multiply(S, np.float32(-k), out=out)
        np.add(out, L, out=out)

    def equivalent_alpha():
        nn, mm, nm = sums()
        res["alpha"], res["scale"] = alpha_from(nn, mm, nm)

    def alphaless_gradient():
        nn, mm, nm = sums()
        S, L, ss = (b, a, mm) if nn > mm else (a, b, nn)
        k = nm / ss if ss != 0 else 0.0
        np.multiply(S, np.float32(1.0 - k), out=out)
        np.add(out, L, out=out)

    return {"vector_projection": vector_projection, "order_by_norm": order_by_norm,
            "project_out_smaller": project_out_smaller, "equivalent_alpha": equivalent_alpha,
            "alphaless_gradient": alphaless_gradient}, res


VECTOR_OPS = ["vector_projection", "project_out_smaller", "alphaless_gradient"]


class Reference:
    """The exact-enough answers, from float64 copies of the inputs."""

    def __init__(self, a, b):
        self.a, self.b = a.astype(np.float64), b.astype(np.float64)
        aa, bb, ab = np.dot(self.a, self.a), np.dot(self.b, self.b), np.dot(self.a, self.b)
        self.aa, self.bb, self.ab = aa, bb, ab
        self.swapped = bool(aa > bb)
        self.alpha = alpha_from(aa, bb, ab)[0]

    def vector(self, op):
        if op == "vector_projection":
            return (self.ab / self.bb) * self.b if self.bb else np.zeros_like(self.b)
        S, L, ss = (self.b, self.a, self.bb) if self.swapped else (self.a, self.b, self.aa)
        k = self.ab / ss if ss else 0.0
        if op == "project_out_smaller":
            return L - k * S
        return L + (1.0 - k) * S


def max_rel(out, want):
    scale = float(np.max(np.abs(want))) or 1.0
    return float(np.max(np.abs(out.astype(np.float64) - want))) / scale


def alpha_from(nn, mm, nm):
    swapped = nn > mm
    ss = mm if swapped else nn
    k = nm / ss if ss != 0 else 0.0
    c_noise = 1.0 if swapped else 1.0 - k
    c_model = 1.0 - k if swapped else 1.0
    scale = c_noise + c_model
    return (c_noise / scale if scale != 0 else float("inf")), scale


def calibrate(f, min_time):
    """Calls per sample so that one sample lasts at least min_time."""
    f()
    it = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(it):
            f()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return it
        it = max(it * 2, int(it * min_time / max(dt, 1e-9) * 1.1))


def sample(f, it):
    t0 = time.perf_counter()
    for _ in range(it):
        f()
    return (time.perf_counter() - t0) / it


# ============================================================ the Python package

def gpt2_small_shapes(width=768, vocab=50257, ctx=1024, layers=12):
    """The 148 parameter tensors of GPT-2 small (124,439,808 elements at the defaults)."""
    w = width
    shapes = [(vocab, w), (ctx, w)]
    for _ in range(layers):
        shapes += [(w,), (w,), (w, 3 * w), (3 * w,), (w, w), (w,), (w,), (w,),
                   (w, 4 * w), (4 * w,), (4 * w, w), (w,)]
    return shapes + [(w,), (w,)]


def interleaved(impls, min_time, repetitions):
    """{name: median seconds per call} of no-argument callables, rounds interleaved."""
    iters = {name: calibrate(f, min_time) for name, f in impls.items()}
    samples = {name: [] for name in impls}
    for _ in range(repetitions):
        for name, f in impls.items():
            samples[name].append(sample(f, iters[name]))
    return {name: statistics.median(v) for name, v in samples.items()}, samples


def list_bench(args, lib_path, PT, projection):
    """A list of many small tensors (--list-count x --list-size, float32): the package's
    list call (the list as one vector) and its each=True call, against Python loops of
    per-tensor calls (projection.torch, and bare ctypes calls with precomputed arguments:
    the floor of any per-tensor loop from Python), and against PyTorch written per tensor
    and with its multi-tensor torch._foreach_* functions. The bare C list and each calls,
    their pointer arrays built once, show the library's own cost apart from the package's
    Python work per tensor."""
    count, size = args.list_count, args.list_size
    g = torch.Generator().manual_seed(3)
    A = [torch.randn(size, generator=g) for _ in range(count)]
    B = [1.5 * torch.randn(size, generator=g) + 0.25 * x for x in A]
    O = [torch.zeros(size) for _ in range(count)]
    lib = load_library(lib_path)
    f_ag, f_ea = lib.projection_alphaless_gradient_f32, lib.projection_equivalent_alpha_f32
    ptrs = [(x.data_ptr(), y.data_ptr(), o.data_ptr()) for x, y, o in zip(A, B, O)]
    al, sc = ctypes.c_double(), ctypes.c_double()
    pal, psc = ctypes.pointer(al), ctypes.pointer(sc)
    # The C list and each calls with their arrays built once: the library's own cost.
    P = ctypes.c_void_p * count
    arr_a, arr_b, arr_o = (P(*[t[k] for t in ptrs]) for k in range(3))
    arr_n = (ctypes.c_size_t * count)(*[size] * count)
    alphas, scales = (ctypes.c_double * count)(), (ctypes.c_double * count)()
    vp, sz_t, pd = ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_double)
    raw = {}
    for name, argt in (("alphaless_gradient_list", [vp, vp, vp, sz_t, vp]),
                       ("alphaless_gradient_each", [vp, vp, vp, sz_t, vp]),
                       ("equivalent_alpha_list", [vp, vp, vp, sz_t, pd, pd]),
                       ("equivalent_alpha_each", [vp, vp, vp, sz_t, vp, vp])):
        f = getattr(lib, f"projection_{name}_f32")
        f.argtypes, f.restype = argt, ctypes.c_int
        raw[name] = f

    def dots(x, y):
        x, y = x.view(-1), y.view(-1)
        return torch.dot(x, x).item(), torch.dot(y, y).item(), torch.dot(x, y).item()

    def coeff(nn_, mm, nm):  # (swapped, c): out = L + c S
        sw = nn_ > mm
        ss = mm if sw else nn_
        return sw, 1.0 - (nm / ss if ss else 0.0)

    # ---- each tensor its own operation
    def loop_pt_ag():
        for x, y, o in zip(A, B, O):
            PT.alphaless_gradient(x, y, out=o)

    def loop_raw_ag():
        for pa, pb, po in ptrs:
            f_ag(pa, pb, size, po)

    def torch_loop_each_ag():
        for x, y, o in zip(A, B, O):
            sw, c = coeff(*dots(x, y))
            torch.add(x, y, alpha=c, out=o) if sw else torch.add(y, x, alpha=c, out=o)

    def torch_foreach_each_ag():
        na, nb = torch._foreach_norm(A), torch._foreach_norm(B)
        ab = [torch.dot(x, y).item() for x, y in zip(A, B)]
        L, S, cs = [], [], []
        for x, y, p, q, r in zip(A, B, na, nb, ab):
            sw, c = coeff(p.item() ** 2, q.item() ** 2, r)
            L.append(x if sw else y)
            S.append(y if sw else x)
            cs.append(c)
        return torch._foreach_add(L, torch._foreach_mul(S, cs))

    def loop_pt_ea():
        for x, y in zip(A, B):
            PT.calculate_equivalent_alpha_and_scaling_factor(x, y)

    def loop_raw_ea():
        for pa, pb, _ in ptrs:
            f_ea(pa, pb, size, pal, psc)

    def torch_loop_each_ea():
        return [alpha_from(*dots(x, y)) for x, y in zip(A, B)]

    def torch_foreach_each_ea():
        na, nb = torch._foreach_norm(A), torch._foreach_norm(B)
        return [alpha_from(p.item() ** 2, q.item() ** 2, torch.dot(x, y).item())
                for x, y, p, q in zip(A, B, na, nb)]

    # ---- the list as one vector
    def list_sums_loop():
        s = torch.stack([torch.stack([torch.dot(x, x), torch.dot(y, y), torch.dot(x, y)])
                         for x, y in zip(A, B)]).double().sum(0)
        return s.tolist()

    def list_sums_foreach():
        nn_ = torch.stack(torch._foreach_norm(A)).double().square().sum().item()
        mm = torch.stack(torch._foreach_norm(B)).double().square().sum().item()
        nm = torch.stack([torch.dot(x, y) for x, y in zip(A, B)]).double().sum().item()
        return nn_, mm, nm

    def torch_loop_list_ag():
        sw, c = coeff(*list_sums_loop())
        for x, y, o in zip(A, B, O):
            torch.add(x, y, alpha=c, out=o) if sw else torch.add(y, x, alpha=c, out=o)

    def torch_foreach_list_ag():
        sw, c = coeff(*list_sums_foreach())
        return torch._foreach_add(A, B, alpha=c) if sw else torch._foreach_add(B, A, alpha=c)

    impls = {
        "alphaless_gradient": {
            "projection.torch list": lambda: PT.alphaless_gradient(A, B, out=O),
            "projection.torch each": lambda: PT.alphaless_gradient(A, B, out=O, each=True),
            "loop of projection.torch calls": loop_pt_ag,
            "loop of raw ctypes calls": loop_raw_ag,
            "raw ctypes list call": lambda: raw["alphaless_gradient_list"](
                arr_a, arr_b, arr_n, count, arr_o),
            "raw ctypes each call": lambda: raw["alphaless_gradient_each"](
                arr_a, arr_b, arr_n, count, arr_o),
            "torch loop, each": torch_loop_each_ag,
            "torch._foreach, each": torch_foreach_each_ag,
            "torch loop, list": torch_loop_list_ag,
            "torch._foreach, list": torch_foreach_list_ag,
        },
        "equivalent_alpha": {
            "projection.torch list": lambda: PT.calculate_equivalent_alpha_and_scaling_factor(A, B),
            "projection.torch each":
                lambda: PT.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True),
            "loop of projection.torch calls": loop_pt_ea,
            "loop of raw ctypes calls": loop_raw_ea,
            "raw ctypes list call": lambda: raw["equivalent_alpha_list"](
                arr_a, arr_b, arr_n, count, pal, psc),
            "raw ctypes each call": lambda: raw["equivalent_alpha_each"](
                arr_a, arr_b, arr_n, count, alphas, scales),
            "torch loop, each": torch_loop_each_ea,
            "torch._foreach, each": torch_foreach_each_ea,
            "torch loop, list": lambda: alpha_from(*list_sums_loop()),
            "torch._foreach, list": lambda: alpha_from(*list_sums_foreach()),
        },
    }
    # The library's list and each results against the per-tensor loop and PyTorch's.
    loop_pt_ag()
    want = [o.clone() for o in O]
    PT.alphaless_gradient(A, B, out=O, each=True)
    each_same = all(torch.equal(o, w) for o, w in zip(O, want))
    each_alpha = PT.calculate_equivalent_alpha_and_scaling_factor(A, B, each=True)[0]
    ref_each = torch.tensor([alpha_from(*(float(v) for v in (
        torch.dot(x.double(), x.double()), torch.dot(y.double(), y.double()),
        torch.dot(x.double(), y.double()))))[0] for x, y in zip(A, B)], dtype=torch.float64)
    ok = each_same and bool(torch.allclose(each_alpha.double(), ref_each, rtol=1e-6, atol=0))
    ok = ok and raw["equivalent_alpha_each"](arr_a, arr_b, arr_n, count, alphas, scales) == 0
    ok = ok and all(abs(x - float(y)) <= 1e-9 * abs(float(y)) for x, y in zip(alphas, ref_each))
    res = {"count": count, "size": size, "threads": args.threads, "library_ok": ok,
           "seconds": {}, "samples": {}}
    for op, fs in impls.items():
        med, samples = interleaved(fs, args.min_time, args.repetitions)
        res["seconds"][op], res["samples"][op] = med, samples
        print(f"package list of {count} x {size}, {op}: " + ", ".join(
            f"{k} {v * 1e6:.0f} us" for k, v in med.items()), flush=True)
    return res


def import_package(lib_path):
    """The package of this checkout (bindings/python), loading the library at lib_path."""
    os.environ["PROJECTION_LIBRARY"] = os.path.abspath(lib_path)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "bindings", "python")
    if path not in sys.path:
        sys.path.insert(0, path)
    import projection
    return projection


def package_bench(args, lib_path):
    """The measurements of the Python package; returns the "package" section."""
    projection = import_package(lib_path)
    import projection.torch as PT
    out = {"package_version": projection.__version__, "library": projection.library_path(),
           "features": dict(projection._lib.features)}
    projection.set_num_threads(args.threads)

    # ---- per-call overhead at small n: what a call costs beyond the arithmetic
    n = int(float(args.overhead_n))
    rng = np.random.default_rng(7)
    a_np = rng.uniform(-1, 1, n).astype(np.float32)
    b_np = (1.5 * rng.uniform(-1, 1, n)).astype(np.float32)
    o_np = np.zeros(n, np.float32)
    a, b, o = torch.from_numpy(a_np), torch.from_numpy(b_np), torch.from_numpy(o_np)
    tuned, _ = make_torch(a_np, b_np, o_np)
    raw, _, _ = make_projection(load_library(lib_path), a_np, b_np, o_np)
    pt_out = {"vector_projection": lambda: PT.vector_projection(a, b, out=o),
              "project_out_smaller": lambda: PT.project_out_smaller_tensor(a, b, out=o),
              "alphaless_gradient": lambda: PT.alphaless_gradient(a, b, out=o),
              "order_by_norm": lambda: PT.order_tensors_by_norm(a, b),
              "equivalent_alpha": lambda: PT.calculate_equivalent_alpha_and_scaling_factor(a, b)}
    pt_new = {"vector_projection": lambda: PT.vector_projection(a, b),
              "project_out_smaller": lambda: PT.project_out_smaller_tensor(a, b),
              "alphaless_gradient": lambda: PT.alphaless_gradient(a, b)}
    buf = {"vector_projection": lambda: projection.vector_projection(a_np, b_np, out=o_np),
           "project_out_smaller": lambda: projection.project_out_smaller_tensor(a_np, b_np, out=o_np),
           "alphaless_gradient": lambda: projection.alphaless_gradient(a_np, b_np, out=o_np),
           "order_by_norm": lambda: projection.order_tensors_by_norm(a_np, b_np),
           "equivalent_alpha": lambda: projection.calculate_equivalent_alpha_and_scaling_factor(a_np, b_np)}

    def torch_new(op):  # the original module's kind of call: a new output each time
        ta, tb = a, b
        if op == "vector_projection":
            return lambda: (torch.dot(ta, tb) / torch.dot(tb, tb)) * tb
        def f():
            aa, bb, ab = torch.dot(ta, ta).item(), torch.dot(tb, tb).item(), torch.dot(ta, tb).item()
            S, L, ss = (tb, ta, bb) if aa > bb else (ta, tb, aa)
            k = ab / ss if ss else 0.0
            return torch.add(L, S, alpha=(1.0 - k) if op == "alphaless_gradient" else -k)
        return f

    overhead = []
    for op in OPS:
        impls = {"torch": tuned[op], "projection.torch": pt_out[op],
                 "projection (buffer API)": buf[op], "projection (raw ctypes)": raw[op]}
        if op in pt_new:
            impls.update({"torch, new output": torch_new(op),
                          "projection.torch, new output": pt_new[op]})
        med, _ = interleaved(impls, args.min_time, args.repetitions)
        overhead += [{"op": op, "n": n, "impl": k, "seconds": v} for k, v in med.items()]
        print(f"package overhead {op:20s} n={n}: " + ", ".join(
            f"{k} {v * 1e6:.2f} us" for k, v in med.items()), flush=True)
    out["overhead"] = overhead

    # ---- one alphaless_backward step over GPT-2 small's 148 parameter tensors
    shapes = gpt2_small_shapes(width=args.gpt2_width, vocab=args.gpt2_vocab)
    count = sum(math.prod(s) for s in shapes)
    g = torch.Generator().manual_seed(1)
    params = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    gn = [torch.randn(s, generator=g) for s in shapes]
    gm = [1.5 * torch.randn(s, generator=g) + 0.25 * x for s, x in zip(shapes, gn)]
    for p in params:
        p.grad = torch.zeros_like(p)

    def library_step():
        return PT.set_alphaless_grad(params, gn, gm)

    def pytorch_loop():
        """The same with PyTorch: the three sums per tensor with torch.dot (float32
        accumulation, as the report's tuned PyTorch), added over the list in float64, the
        coefficients, then L + c S into every existing .grad."""
        sums = torch.stack([torch.stack([torch.dot(x.view(-1), x.view(-1)),
                                         torch.dot(y.view(-1), y.view(-1)),
                                         torch.dot(x.view(-1), y.view(-1))]).double()
                            for x, y in zip(gn, gm)]).sum(0)
        nn_, mm, nm = sums.tolist()
        swapped = nn_ > mm
        ss = mm if swapped else nn_
        k = nm / ss if ss else 0.0
        c_noise, c_model = (1.0, 1.0 - k) if swapped else (1.0 - k, 1.0)
        for p, x, y in zip(params, gn, gm):
            if swapped:
                torch.add(x, y, alpha=c_model, out=p.grad)
            else:
                torch.add(y, x, alpha=c_noise, out=p.grad)
        scale = c_noise + c_model
        return c_noise / scale, scale

    def pytorch_foreach():
        """The same with PyTorch's multi-tensor functions, as a user who knows them writes
        it: the squared norms from torch._foreach_norm (float32), a·b from torch.dot per
        tensor (there is no foreach dot), added in float64; then torch._foreach_add for
        L + c S, which returns new tensors, set as every .grad."""
        nn_ = torch.stack(torch._foreach_norm(gn)).double().square().sum().item()
        mm = torch.stack(torch._foreach_norm(gm)).double().square().sum().item()
        nm = torch.stack([torch.dot(x.view(-1), y.view(-1)) for x, y in zip(gn, gm)]).double().sum().item()
        swapped = nn_ > mm
        ss = mm if swapped else nn_
        k = nm / ss if ss else 0.0
        c_noise, c_model = (1.0, 1.0 - k) if swapped else (1.0 - k, 1.0)
        grads = (torch._foreach_add(gn, gm, alpha=c_model) if swapped else
                 torch._foreach_add(gm, gn, alpha=c_noise))
        for p, g_ in zip(params, grads):
            p.grad = g_
        scale = c_noise + c_model
        return c_noise / scale, scale

    # Both against a float64 reference before timing (the PyTorch loop sums float32 in
    # float32, so it is the less accurate of the two at this size).
    sums = [0.0, 0.0, 0.0]
    for x, y in zip(gn, gm):
        x64, y64 = x.double().view(-1), y.double().view(-1)
        sums[0] += float(torch.dot(x64, x64))
        sums[1] += float(torch.dot(y64, y64))
        sums[2] += float(torch.dot(x64, y64))
        del x64, y64
    ref_alpha = alpha_from(*sums)[0]
    swapped = sums[0] > sums[1]
    k = sums[2] / (sums[1] if swapped else sums[0])

    def grad_error():  # of the first tensors' .grad, relative to their largest element
        worst = 0.0
        for p, x, y in list(zip(params, gn, gm))[:3]:
            L, S = (x, y) if swapped else (y, x)
            want = L.double() + (1.0 - k) * S.double()
            worst = max(worst, float((p.grad.double() - want).abs().max() / want.abs().max()))
        return worst

    al, _ = library_step()  # alpha as a float32 0-d tensor, as the original returns it
    al_exact = projection.calculate_equivalent_alpha_and_scaling_factor(gn, gm)[0]  # a float
    err_lib = {"alpha": abs(al_exact - ref_alpha) / abs(ref_alpha), "grad": grad_error()}
    step_ok = abs(float(al) - al_exact) <= 2 ** -24 * abs(al_exact)
    al2, _ = pytorch_loop()
    err_loop = {"alpha": abs(al2 - ref_alpha) / abs(ref_alpha), "grad": grad_error()}
    step_ok = step_ok and err_lib["alpha"] <= 1e-9 and err_lib["grad"] <= 1e-6
    al3, _ = pytorch_foreach()
    err_foreach = {"alpha": abs(al3 - ref_alpha) / abs(ref_alpha), "grad": grad_error()}
    reps = max(3, args.repetitions)
    grads = [p.grad for p in params]  # the library and the loop write into these
    def restore():  # the foreach variant replaced every .grad; give them back
        for p, g_ in zip(params, grads):
            p.grad = g_
    restore()
    med, samples = interleaved({"projection.torch": library_step, "torch loop": pytorch_loop,
                                "torch._foreach": lambda: (pytorch_foreach(), restore())},
                               args.min_time, reps)
    out["alphaless_backward"] = {"tensors": len(shapes), "elements": count,
                                 "path": "library" if projection.has("list") else "pytorch",
                                 "seconds": med, "samples": samples, "library_ok": bool(step_ok),
                                 "error": {"projection.torch": err_lib, "torch loop": err_loop,
                                           "torch._foreach": err_foreach}}
    print(f"package alphaless step, {len(shapes)} tensors, {count} elements: " + ", ".join(
        f"{k} {v * 1e3:.1f} ms" for k, v in med.items())
        + f" (library path: {projection.has('list')}; relative error of alpha, .grad vs "
          f"float64: library {err_lib['alpha']:.1e}, {err_lib['grad']:.1e}; "
          f"PyTorch loop {err_loop['alpha']:.1e}, {err_loop['grad']:.1e})", flush=True)
    del params, gn, gm, grads

    # ---- a list of many small tensors: one list call, each, and Python loops
    out["lists"] = list_bench(args, lib_path, PT, projection)

    # ---- a new output costs its page faults: fresh against out= at large n
    n = int(float(args.fresh_n))
    x = torch.randn(n, generator=g)
    y = 1.5 * torch.randn(n, generator=g)
    dst = torch.zeros(n)
    impls = {"projection.torch, new output": lambda: PT.alphaless_gradient(x, y),
             "projection.torch, out=": lambda: PT.alphaless_gradient(x, y, out=dst),
             "torch.empty(n).fill_(0)": lambda: torch.empty(n).fill_(0)}
    med, samples = interleaved(impls, args.min_time, reps)
    out["fresh_output"] = {"n": n, "threads": args.threads, "seconds": med, "samples": samples}
    print(f"package fresh output n={n}: " + ", ".join(f"{k} {v * 1e3:.1f} ms"
                                                      for k, v in med.items()), flush=True)
    return out


# ============================================================ torch.distributed

def percentiles(times):
    t = sorted(times)
    return [t[len(t) // 10], t[len(t) // 2], t[len(t) * 9 // 10]]


def _distributed_rank(rank, world, port, iterations, conn):
    """One forked rank: a gloo group on loopback; per-call times of each collective."""
    import datetime
    import torch.distributed as dist
    import projection.distributed as D
    try:
        torch.set_num_threads(1)
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=120))
        n = 4 * D.BLOCK  # each rank adds a shard of 4 blocks, as bench/mpi_allreduce.c
        rng = np.random.default_rng(rank)
        a = rng.uniform(-1, 1, n).astype(np.float32)
        b = rng.uniform(-1, 1, n).astype(np.float32)
        p = D.Partials().add(a, b, rank * n)
        other = D.Partials().add(b, a, (rank + world) * n)
        status = []
        raw = torch.frombuffer(bytearray(p.to_bytes()), dtype=torch.uint8)
        rows = torch.empty((world, D.PARTIALS_SIZE), dtype=torch.uint8)
        outs = list(rows.unbind(0))
        bor = raw.clone()

        def allreduce():  # each call reduces a fresh copy of the partials
            status.append(D.all_reduce(p.copy()))

        def gather():
            dist.all_gather(outs, raw)

        def bor_reduce():
            bor.copy_(raw)
            dist.all_reduce(bor, op=dist.ReduceOp.BOR)

        def merge():
            p.copy().merge(other)

        res = {}
        for name, f in (("all_reduce", allreduce), ("gloo all_gather", gather),
                        ("gloo all_reduce BOR", bor_reduce), ("local merge", merge)):
            for _ in range(min(100, iterations)):
                f()
            dist.barrier()
            t = []
            for _ in range(iterations):
                t0 = time.perf_counter()
                f()
                t.append(time.perf_counter() - t0)
            q = torch.tensor(percentiles(t), dtype=torch.float64)
            dist.all_reduce(q, op=dist.ReduceOp.MAX)  # the slowest rank's
            res[name] = q.tolist()
        ok = all(st == D.OK for st in status)
        dist.destroy_process_group()
        conn.send({"us": {k: [x * 1e6 for x in v] for k, v in res.items()}, "ok": ok})
    except BaseException as e:  # noqa: BLE001 - reported by the parent
        conn.send({"error": repr(e)})
    conn.close()


def distributed_bench(args, lib_path):
    """The "distributed" section: one entry per process count."""
    import socket
    import torch.multiprocessing as mp
    import_package(lib_path)
    ctx = mp.get_context("fork")  # the children share this process's imports
    out = []
    for world in [int(x) for x in args.distributed_ranks.split(",") if x]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        procs, conns = [], []
        for rank in range(world):
            recv, send = ctx.Pipe(duplex=False)
            pr = ctx.Process(target=_distributed_rank, daemon=True,
                             args=(rank, world, port, args.distributed_iterations, send))
            pr.start()
            send.close()
            procs.append(pr)
            conns.append(recv)
        try:
            answers = [c.recv() if c.poll(600) else {"error": "no answer in 600 s"}
                       for c in conns]
        finally:
            for pr in procs:
                pr.join(10)
                if pr.is_alive():
                    pr.kill()
        bad = [a["error"] for a in answers if "error" in a]
        if bad:
            raise RuntimeError("distributed bench, %d processes: %s" % (world, bad[0]))
        r = answers[0]
        entry = {"processes": world, "cpus": os.cpu_count(),
                 "oversubscribed": world > (os.cpu_count() or 1),
                 "iterations": args.distributed_iterations, "status_ok": r["ok"],
                 "p10_p50_p90_us": r["us"]}
        out.append(entry)
        print(f"distributed all-reduce, {world} process(es): " + ", ".join(
            f"{k} {v[1]:.1f} us (p10-p90 {v[0]:.1f}-{v[2]:.1f})" for k, v in r["us"].items()),
            flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7,6.4e7")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--no-package", action="store_true", help="skip the package measurements")
    ap.add_argument("--package-only", action="store_true", help="only the package measurements")
    ap.add_argument("--overhead-n", default="1e3")
    ap.add_argument("--fresh-n", default="124439808", help="n of fresh output vs out= (GPT-2 small)")
    ap.add_argument("--gpt2-width", type=int, default=768, help="smaller for a smoke run")
    ap.add_argument("--gpt2-vocab", type=int, default=50257)
    ap.add_argument("--distributed-ranks", default="1,2,3,4",
                    help="process counts of the torch.distributed all-reduce; '' skips it")
    ap.add_argument("--distributed-iterations", type=int, default=1000)
    ap.add_argument("--distributed-only", action="store_true",
                    help="only the torch.distributed all-reduce")
    ap.add_argument("--list-count", type=int, default=2000, help="tensors of the small-tensor list")
    ap.add_argument("--list-size", type=int, default=1000, help="elements of each")
    args = ap.parse_args()
    if args.package_only or args.distributed_only:
        args.sizes = ""
    if args.distributed_only:
        args.no_package = True

    lib = load_library(args.lib)
    lib.projection_set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    results, checks = [], []
    rng = np.random.default_rng(42)
    for n in sizes:
        x = rng.uniform(-1, 1, n)
        a = x.astype(np.float32)
        b = (1.5 * rng.uniform(-1, 1, n) + 0.25 * x).astype(np.float32)
        del x
        out_p, out_t, out_n = (np.zeros(n, np.float32) for _ in range(3))
        pj, pj_res, pj_check = make_projection(lib, a, b, out_p)
        th, th_res = make_torch(a, b, out_t)
        nu, nu_res = make_numpy(a, b, out_n)
        impls = {"projection": pj, "torch": th, "numpy": nu}
        ref = Reference(a, b)
        for op in OPS:
            # Correctness first, against a float64 reference: else the timing means nothing.
            pj_check(pj[op]())
            th[op]()
            nu[op]()
            if op in VECTOR_OPS:
                want = ref.vector(op)
                err = {name: max_rel(o, want) for name, o in
                       (("projection", out_p), ("torch", out_t), ("numpy", out_n))}
                del want
                ok = err["projection"] <= 1e-6
            elif op == "equivalent_alpha":
                alpha = pj_res()[0]
                err = {name: abs(x - ref.alpha) / abs(ref.alpha) for name, x in
                       (("projection", alpha), ("torch", th_res["alpha"]),
                        ("numpy", nu_res["alpha"]))}
                ok = err["projection"] <= 1e-9
            else:
                got = {"projection": bool(pj_res()[2]), "torch": th_res["swapped"],
                       "numpy": nu_res["swapped"]}
                err = {name: float(g != ref.swapped) for name, g in got.items()}
                ok = err["projection"] == 0
            err = {k: float(v) for k, v in err.items()}
            ok = bool(ok)
            checks.append({"op": op, "n": n, "error": err, "library_ok": ok})
            if not ok:
                print(f"python_bench: the library is off the float64 reference on {op} n={n}: "
                      f"{err}", file=sys.stderr)
            iters = {name: calibrate(impl[op], args.min_time) for name, impl in impls.items()}
            time.sleep(PAUSE)
            samples = {name: [] for name in impls}
            for _ in range(args.repetitions):
                for name, impl in impls.items():
                    samples[name].append(sample(impl[op], iters[name]))
                time.sleep(PAUSE)
            line = [f"{op:20s} n={n:>9d}"]
            for name in impls:
                med = statistics.median(samples[name])
                results.append({"op": op, "n": n, "impl": name, "seconds": med,
                                "samples": samples[name], "calls_per_sample": iters[name]})
                line.append(f"{name} {med * 1e6:10.2f} us")
            pmed = statistics.median(samples["projection"])
            line.append(f"speedup vs torch {statistics.median(samples['torch']) / pmed:5.2f}x"
                        f" vs numpy {statistics.median(samples['numpy']) / pmed:5.2f}x")
            print("  ".join(line), flush=True)
        del a, b, out_p, out_t, out_n, pj, th, nu, impls, ref
    meta = {
        "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python": sys.version.split()[0],
        "projection_version": lib.projection_version_string().decode(),
        "projection_simd_arch": lib.projection_simd_arch().decode(),
        "projection_threads": lib.projection_get_num_threads(),
        "repetitions": args.repetitions,
        "min_time": args.min_time,
    }
    doc = {"meta": meta, "results": results, "checks": checks}
    if not args.no_package:
        doc["package"] = package_bench(args, args.lib)
    if args.distributed_ranks:
        doc["distributed"] = distributed_bench(args, args.lib)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
