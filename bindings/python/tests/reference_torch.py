"""The original PyTorch module's functions, written with torch (float64 arithmetic for
the reductions), with SPEC §1's definition for projection onto the zero vector. Used as
the reference of projection.torch."""

import math

import torch


def _flat64(x):
    return x.detach().reshape(-1).to(torch.float64)


def t_vector_projection(a, b):
    a64, b64 = _flat64(a), _flat64(b)
    bb = torch.dot(b64, b64)
    if bb == 0:
        return torch.zeros_like(b64).reshape(a.shape)
    return ((torch.dot(a64, b64) / bb) * b64).reshape(a.shape)


def t_order_tensors_by_norm(a, b, **kwargs):
    na = torch.linalg.vector_norm(a, **kwargs)
    nb = torch.linalg.vector_norm(b, **kwargs)
    return (a, b) if na <= nb else (b, a)  # stable: ties keep (a, b)


def _k(s, l):
    s64, l64 = _flat64(s), _flat64(l)
    ss = torch.dot(s64, s64)
    return 0.0 if ss == 0 else float(torch.dot(l64, s64) / ss)


def _order2(a, b):
    a64, b64 = _flat64(a), _flat64(b)
    return (a, b) if torch.dot(a64, a64) <= torch.dot(b64, b64) else (b, a)


def t_project_out_smaller_tensor(a, b):
    s, l = _order2(a, b)
    return (_flat64(l) - _k(s, l) * _flat64(s)).reshape(a.shape)


def t_alphaless_gradient(noise, model):
    s, l = _order2(noise, model)
    return (_flat64(l) + (1 - _k(s, l)) * _flat64(s)).reshape(noise.shape)


def t_equivalent_alpha_and_scale(noise, model):
    s, l = _order2(noise, model)
    k = _k(s, l)
    c_noise, c_model = (1 - k, 1.0) if s is noise else (1.0, 1 - k)
    scale = c_noise + c_model
    alpha = c_noise / scale if scale != 0 else math.copysign(math.inf, c_noise)
    return alpha, scale


def t_cat(xs):
    """A list of tensors as the one vector it stands for."""
    return torch.cat([_flat64(x) for x in xs])
