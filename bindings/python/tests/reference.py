"""Reference implementations of the original module's functions, for the tests.

``n_*``: NumPy in float64 (no PyTorch needed, for the NumPy-only runs).
``t_*`` (in reference_torch.py): the original PyTorch module's functions in PyTorch.
Both with SPEC §1's definitions: projection onto the zero vector is zero, k = 0 when the
smaller vector is zero, ties keep the argument order."""

import math

import numpy as np


def f64(x):
    return np.asarray(x, dtype=np.float64).ravel()


def n_norm(x, ord=2):
    return float(np.linalg.norm(f64(x), ord=ord))


def n_order(a, b, ord=2):
    return (a, b) if n_norm(a, ord) <= n_norm(b, ord) else (b, a)


def n_sums(a, b):
    a, b = f64(a), f64(b)
    return float(np.dot(a, a)), float(np.dot(b, b)), float(np.dot(a, b))


def n_coefficients(op, a, b):
    """(ca, cb) with the result ca * a + cb * b."""
    aa, bb, ab = n_sums(a, b)
    if op == "vector_projection":
        return 0.0, (ab / bb if bb else 0.0)
    swapped = aa > bb
    ss = bb if swapped else aa
    k = ab / ss if ss else 0.0
    cs = 1 - k if op == "alphaless_gradient" else -k
    return (1.0, cs) if swapped else (cs, 1.0)


def n_vector(op, a, b):
    ca, cb = n_coefficients(op, a, b)
    return ca * f64(a) + cb * f64(b)


def n_vector_projection(a, b):
    return n_vector("vector_projection", a, b)


def n_project_out_smaller(a, b):
    return n_vector("project_out_smaller", a, b)


def n_alphaless_gradient(noise, model):
    return n_vector("alphaless_gradient", noise, model)


def n_alpha_scale(noise, model):
    nn, mm, nm = n_sums(noise, model)
    swapped = nn > mm
    ss = mm if swapped else nn
    k = nm / ss if ss else 0.0
    c_noise, c_model = (1.0, 1 - k) if swapped else (1 - k, 1.0)
    scale = c_noise + c_model
    alpha = c_noise / scale if scale != 0 else math.copysign(math.inf, c_noise)
    return alpha, scale
