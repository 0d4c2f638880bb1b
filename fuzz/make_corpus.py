#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: fuzz/corpus/<target>/seed-NNN.

Each seed is an input in the format fuzz/fuzz_common.hpp decodes (see decode()
and gen_value()): a flags byte, the layout, n, the partial-overlap shift, the
NULL mask, the norm order (order_by_norm only), then the element values, each a
category byte, a sign byte and the category's extra bytes. The seeds cover every
layout, both types, every value category (NaN, Inf, subnormal, huge, -0.0, ...),
every norm-order category, and a few inputs above the parallel threshold.

It also writes fuzz/regressions/<target>/: the exact inputs of the findings
(see REGRESSIONS below), which scripts/test-reliability replays once each.

Deterministic: the same files every run. Usage: fuzz/make_corpus.py [outdir]
"""
import os
import random
import struct
import sys

TARGETS = ["vector_projection", "project_out_smaller", "alphaless_gradient",
           "order_by_norm", "equivalent_alpha", "library"]
N_LAYOUTS = 12
# Value categories of gen_value() and their extra bytes (after the sign byte).
SPECIAL = list(range(0, 13))          # 0, -0, NaNs, Infs, subnormals, max, 1
NONFINITE = {2, 3, 4, 5, 6}


def value(rng, f64, cat=None, finite_bias=0.7):
    if cat is None:
        roll = rng.random()
        if roll < finite_bias:
            cat = rng.choice([7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 24, 25, 26, 27, 0, 1])
        else:
            cat = rng.choice(SPECIAL + [15])
    out = bytes([cat, rng.randrange(256)])
    if cat in (13, 14):
        out += bytes([rng.randrange(256), rng.randrange(256)])
    elif cat in (15, 16):
        out += struct.pack("<d" if f64 else "<f", rng.choice(
            [1.5, -3.25, 1e-310 if f64 else 1e-40, 1e300 if f64 else 1e38, float("nan")]))
    elif 17 <= cat <= 20:
        out += bytes([rng.randrange(256)]) + struct.pack("<h", rng.randrange(-32768, 32768))
    elif cat >= 21:
        out += bytes([rng.randrange(256)])
    return out


def ord_bytes(rng, cat):
    out = bytes([cat])
    if cat == 18:
        out += struct.pack("<d", rng.choice([2.5, -0.75, 7.0, float("nan")]))
    elif cat == 19:
        out += bytes([rng.randrange(256)])
    elif cat == 20:
        out += bytes([rng.randrange(256), rng.randrange(256)])
    return out


def op_seed(rng, target, i):
    f64 = i % 2
    finite_only = 1 if i % 3 != 2 else 0
    threads = rng.randrange(4)
    big = i % 17 == 5
    flags = f64 | (finite_only << 1) | (threads << 3)
    if big:
        flags |= 0xE4
    layout = i % N_LAYOUTS
    n = rng.choice([1, 2, 3, 5, 8, 13, 16, 17, 31, 33, 64, 79]) if i % 23 else 0
    data = bytes([flags, layout, n if not big else rng.randrange(61),
                  rng.randrange(256), rng.randrange(256)])
    if target == "order_by_norm":
        data += ord_bytes(rng, i % 24)
    bias = 1.0 if finite_only else 0.6
    if big:
        plen = data[2] % 61 + 1
        data += bytes([rng.randrange(8)])
        for _ in range(2 * plen + 3):
            data += value(rng, f64, finite_bias=bias)
        # the last element: often a NaN or Inf, at the very end of a parallel buffer
        data += value(rng, f64, cat=rng.choice([2, 5, 6, 12]) if not finite_only else 12)
        data += bytes([rng.randrange(2)])
        return data
    span = 2 * n + 8  # enough for any layout (two buffers plus overlap slack)
    for j in range(span):
        cat = None
        if i % 5 == 0 and j < len(SPECIAL):  # every special value early on
            cat = SPECIAL[(i + j) % len(SPECIAL)]
        data += value(rng, f64, cat=cat, finite_bias=bias)
    return data


def library_seed(rng, i):
    data = b""
    for _ in range(1 + i % 12):
        step = rng.randrange(6)
        data += bytes([step])
        if step == 0:
            data += struct.pack("<i", rng.choice([0, 1, 2, 3, 4, 5, -1, 1 << 30, -(1 << 31), 77]))
        elif step == 1:
            data += bytes([rng.randrange(256)])
        elif step == 4:
            data += struct.pack("<i", rng.choice([1, 2, 3, 4, 0, -5, 64, 1000, 2**31 - 1, -(2**31)]))
    return data


# ------------------------------------------------------------------ regressions
# Exact inputs of findings (fuzz/regressions/<target>/<name>), replayed once each
# by scripts/test-reliability before the fuzzing campaign. Each is a plain case:
# f64, finite values given bit-exactly (category 15, raw bits), one thread.
def f64_values(vals):
    return b"".join(bytes([15, 0]) + struct.pack("<d", v) for v in vals)


def f64_case(layout, n, vals, ord_cat=None):
    flags = 1 | 2  # f64, finite only, 1 thread
    data = bytes([flags, layout, n, 0, 0])
    if ord_cat is not None:
        data += bytes([ord_cat])
    return data + f64_values(vals)


def f32_case(layout, n, vals):
    data = bytes([2, layout, n, 0, 0])  # f32, finite only, 1 thread
    return data + b"".join(bytes([15, 0]) + struct.pack("<f", v) for v in vals)


SEPARATE, A_IS_B = 0, 3
REGRESSIONS = {
    "vector_projection": {
        # proj(c, c) = c; the element 1e-20 goes through 1e-20 * 2^-996 (subnormal)
        "rescale-output-loses-small-element": f64_case(A_IS_B, 2, [1e-20, 1e300, 0, 0]),
        # no rescaling needed (squares in range), but k = a.b / b.b = 1e-356 is
        # below the double range: out[0] = k * 1e54 = 1e-302 comes out 0
        "unscaled-k-underflows-double": f64_case(SEPARATE, 2, [1e-302, 1, 1e54, 0, 0, 0]),
        # a.b = 1, but 2^-996 * 2^-997 underflows to 0 in the rescaled dot product
        "rescale-dot-product-underflow": f64_case(
            SEPARATE, 3, [1, 1e300, 0, 1, 0, 2e300, 0, 0, 0]),
    },
    "alphaless_gradient": {
        # L.S of the rescaled vectors is a subnormal product: k off by 0.4%,
        # out[0] = 0.05 instead of ~0
        "rescale-subnormal-dot-product": f64_case(
            SEPARATE, 2, [-12.75, -1.7976931348623155e308, -7.4109846876186982e-323, 0, 0, 0]),
        # out[1] must be exactly noise[1] (model[1] = 0); the output scale, inflated
        # by the 2^-1020 clamp, sends it through the subnormal range
        # float, SSE2 only (no FMA): out[0] = L + c*S = -2e38 + 2 * 2e38 = 2e38, but
        # c*S = 4e38 overflows float before the addition: inf
        "f32-sse2-intermediate-overflow": f32_case(SEPARATE, 2, [2e38, 0, -2e38, 1e38, 0, 0]),
        # the same in double (SSE2): (1 - k) * S[1] = 1.9e308 overflows, out[1] = inf
        "f64-sse2-intermediate-overflow": f64_case(
            SEPARATE, 2, [0.375, 6, -1.7976931348623157e308, -1.7976931348623155e308, 0, 0]),
        "rescale-output-clamp": f64_case(
            SEPARATE, 2, [-1, 2.625944811846803e-303, -1.1454101731170121e-317, 0, 0, 0]),
    },
    "project_out_smaller": {
        # double, SSE2 only (no FMA): out[1] = L - k*S = 1.049e307, but k*S[1] =
        # 1.9e308 overflows double before the subtraction: inf
        "f64-sse2-intermediate-overflow": f64_case(
            SEPARATE, 2, [-1.7976931348623157e308, -1.7976931348623155e308, 0.375, 6, 0, 0]),
        "rescale-subnormal-dot-product": f64_case(
            SEPARATE, 3, [1.375, -15.75, 1.7976931348623157e308,
                          3.8414042795832696e-312, 0, 0, 0, 0, 0]),
    },
    "equivalent_alpha": {
        # noise = (1e-300, 0), model = (1e-290, 1e300): k = 1e10, scale = 2 - k
        # = -9999999998, alpha = 1.0000000001; the rescaled model.noise underflows
        # to 0 and the library answers k = 0: alpha = 0.5, scale = 2
        "rescale-dot-product-underflow": f64_case(SEPARATE, 2, [1e-300, 0, 1e-290, 1e300]),
    },
    "library": {
        # projection_status_string(36): UBSan -fsanitize=enum on the C++ side
        "status-string-unknown-code": bytes([0]) + struct.pack("<i", 36),
    },
}


def write_regressions(root):
    for t, cases in REGRESSIONS.items():
        d = os.path.join(root, t)
        os.makedirs(d, exist_ok=True)
        for name, data in cases.items():
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    write_regressions(os.path.join(here, "regressions"))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for t in TARGETS:
        d = os.path.join(root, t)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
        rng = random.Random("projection-" + t)
        count = 24 if t == "library" else 40
        for i in range(count):
            data = library_seed(rng, i) if t == "library" else op_seed(rng, t, i)
            with open(os.path.join(d, "seed-%03d" % i), "wb") as fh:
                fh.write(data)
    print("seed corpus written under", root)


if __name__ == "__main__":
    main()
