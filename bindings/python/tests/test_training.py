"""projection.torch.alphaless_backward: a small torch.nn model trained a few steps, every
step checked against the reference formula (SPEC §1) on the whole parameter list."""

import math

import pytest

torch = pytest.importorskip("torch")

import projection as P  # noqa: E402
import projection.torch as PT  # noqa: E402
from reference_torch import t_alphaless_gradient, t_cat, t_equivalent_alpha_and_scale  # noqa: E402


@pytest.fixture(params=["library", "pytorch"])
def path(request, monkeypatch):
    if request.param == "pytorch":
        monkeypatch.setattr(PT, "FORCE_PYTORCH", True)
    return request.param


def make_model(dtype, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 3)).to(dtype)


def losses(model, x, y, noise):
    """A model loss on clean targets and a noise loss on noisy ones (the noise layer)."""
    out = model(x)
    model_loss = torch.nn.functional.mse_loss(out, y)
    noise_loss = torch.nn.functional.mse_loss(out, y + noise)
    return noise_loss, model_loss


def split(v, params):
    out, i = [], 0
    for p in params:
        out.append(v[i:i + p.numel()].reshape(p.shape))
        i += p.numel()
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_training_steps_match_the_reference(dtype, path):
    model = make_model(dtype)
    params = list(model.parameters())
    opt = torch.optim.SGD(params, lr=0.05)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(32, 6, generator=g).to(dtype)
    y = torch.randn(32, 3, generator=g).to(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-13)
    grads = None
    for step in range(6):
        noise = 0.5 * torch.randn(32, 3, generator=g).to(dtype)
        noise_loss, model_loss = losses(model, x, y, noise)
        # the reference: both gradients, the formula on the concatenated list
        gn = torch.autograd.grad(noise_loss, params, retain_graph=True)
        gm = torch.autograd.grad(model_loss, params, retain_graph=True)
        want = split(t_alphaless_gradient(t_cat(gn), t_cat(gm)), params)
        ra, rs = t_equivalent_alpha_and_scale(t_cat(gn), t_cat(gm))

        opt.zero_grad(set_to_none=(step == 0))  # step 0: no .grad yet; later: kept, zeroed
        alpha, scale = PT.alphaless_backward(noise_loss, model_loss, params)

        assert alpha.dim() == 0 and alpha.dtype == dtype and scale.dtype == dtype
        assert float(alpha) == pytest.approx(ra, rel=1e-5 if dtype == torch.float32 else 1e-10)
        assert float(scale) == pytest.approx(rs, rel=1e-5 if dtype == torch.float32 else 1e-10)
        for p, w in zip(params, want):
            assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == dtype
            assert not p.grad.requires_grad
            torch.testing.assert_close(p.grad.double(), w, **tol)
        # the defining identity: .grad == scale * gradient of the composite loss at alpha
        for p, a_, b_ in zip(params, gn, gm):
            torch.testing.assert_close(
                p.grad.double(),
                float(scale) * (float(alpha) * a_.double() + (1 - float(alpha)) * b_.double()),
                **(dict(rtol=1e-4, atol=1e-5) if dtype == torch.float32 else tol))
        # .grad is written in place step after step: no new memory
        ptrs = [p.grad.data_ptr() for p in params]
        if grads is not None:
            assert ptrs == grads
        grads = ptrs
        opt.step()


def test_training_converges_like_the_reference_loop():
    """Six steps through the library and six through a plain PyTorch loop of the formula
    end at the same parameters."""
    g = torch.Generator().manual_seed(3)
    x, y = torch.randn(64, 6, generator=g), torch.randn(64, 3, generator=g)
    noises = [0.3 * torch.randn(64, 3, generator=g) for _ in range(6)]
    finals = []
    for use_library in (True, False):
        model = make_model(torch.float64, seed=5)
        params = list(model.parameters())
        opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
        for noise in noises:
            opt.zero_grad()
            noise_loss, model_loss = losses(model, x.double(), y.double(), noise.double())
            if use_library:
                PT.alphaless_backward(noise_loss, model_loss, params)
            else:
                gn = torch.autograd.grad(noise_loss, params, retain_graph=True)
                gm = torch.autograd.grad(model_loss, params)
                for p, w in zip(params, split(t_alphaless_gradient(t_cat(gn), t_cat(gm)), params)):
                    p.grad = w.clone()
            opt.step()
        finals.append(t_cat([p.detach() for p in params]))
    torch.testing.assert_close(finals[0], finals[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_16_bit_training_step(dtype, path):
    # elementwise losses: PyTorch 1.13 has no bf16/f16 matmul or mse_loss on the CPU
    g = torch.Generator().manual_seed(4)
    w1 = torch.nn.Parameter(torch.randn(40, 30, generator=g).to(dtype))
    w2 = torch.nn.Parameter(torch.randn(30, generator=g).to(dtype))
    params = [w1, w2]
    t1, t2 = torch.randn(40, 30, generator=g).to(dtype), torch.randn(40, 30, generator=g).to(dtype)
    noise_loss = ((w1 - t1) ** 2).sum() + (w2 * 3).sum()
    model_loss = ((2 * w1 - t2) ** 2).sum() + (w2 ** 2).sum()
    gn = torch.autograd.grad(noise_loss, params, retain_graph=True)
    gm = torch.autograd.grad(model_loss, params, retain_graph=True)
    want = t_alphaless_gradient(t_cat(gn), t_cat(gm))
    alpha, scale = PT.alphaless_backward(noise_loss, model_loss, params)
    assert alpha.dtype == dtype and w1.grad.dtype == dtype and w2.grad.shape == (30,)
    ra, rs = t_equivalent_alpha_and_scale(t_cat(gn), t_cat(gm))
    eps = 2 ** -7 if dtype == torch.bfloat16 else 2 ** -10
    assert float(alpha) == pytest.approx(ra, rel=eps) and float(scale) == pytest.approx(rs, rel=eps)
    got = t_cat([p.grad for p in params])
    big = max(float(t_cat(gn).abs().max()), float(t_cat(gm).abs().max()), float(want.abs().max()))
    assert float((got - want).abs().max()) <= eps * big


@pytest.mark.skipif(not P.has("list"), reason="the library has no list functions yet")
def test_one_library_call_per_step_when_the_list_functions_exist(monkeypatch):
    from projection import _core
    seen = []
    for name in ("vector_many", "alpha_many"):
        orig = getattr(_core, name)
        monkeypatch.setattr(_core, name, lambda *a, _o=orig, _n=name, **k: (
            seen.append((_n, a[0], a[1] if _n == "vector_many" else None)), _o(*a, **k))[1])
    model = make_model(torch.float32)
    nl, ml = losses(model, torch.randn(4, 6), torch.zeros(4, 3), torch.ones(4, 3))
    PT.alphaless_backward(nl, ml, model.parameters())
    assert seen == [("alpha_many", "list", None),
                    ("vector_many", "alphaless_gradient", "list")]


def test_unused_parameters(path):
    model = make_model(torch.float64)
    only_noise = torch.nn.Parameter(torch.tensor([0.5, -1.0], dtype=torch.float64))
    unused = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    params = list(model.parameters()) + [only_noise, unused]
    x, y = torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    out = model(x)
    model_loss = ((out - y) ** 2).mean()
    noise_loss = ((out - y - 1) ** 2).mean() + (only_noise ** 2).sum()
    gn = torch.autograd.grad(noise_loss, params[:-1], retain_graph=True)
    gm = list(torch.autograd.grad(model_loss, params[:-2], retain_graph=True)) + [
        torch.zeros(2, dtype=torch.float64)]
    want = split(t_alphaless_gradient(t_cat(gn), t_cat(gm)), params[:-1])
    PT.alphaless_backward(noise_loss, model_loss, params)
    for p, w in zip(params[:-1], want):
        torch.testing.assert_close(p.grad, w, rtol=1e-11, atol=1e-13)
    assert unused.grad is None  # neither loss depends on it: left alone, as backward() does


def test_existing_grad_of_another_layout_is_written_in_place(path):
    p = torch.nn.Parameter(torch.randn(4, 3, dtype=torch.float64))
    p.grad = torch.zeros(3, 4, dtype=torch.float64).t()  # a non-contiguous .grad
    grad_obj, ptr = p.grad, p.grad.data_ptr()
    noise_loss = (p * torch.arange(12.0, dtype=torch.float64).reshape(4, 3)).sum()
    model_loss = (p ** 2).sum()
    gn, gm = torch.arange(12.0, dtype=torch.float64).reshape(4, 3), 2 * p.detach()
    PT.alphaless_backward(noise_loss, model_loss, [p])
    assert p.grad is grad_obj and p.grad.data_ptr() == ptr
    torch.testing.assert_close(p.grad, t_alphaless_gradient(gn, gm), rtol=1e-12, atol=1e-12)


def test_gradients_made_of_one_shared_tensor(path):
    """autograd may hand the same (even expanded, non-contiguous) tensor to several
    parameters: the library reads them all before anything is written."""
    a = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    b = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    noise_loss = (a + b).sum()           # both gradients: the same expanded ones
    model_loss = (3 * a - b).pow(2).sum()
    gn = [torch.ones(5, dtype=torch.float64)] * 2
    gm = torch.autograd.grad(model_loss, [a, b], retain_graph=True)
    want = split(t_alphaless_gradient(t_cat(gn), t_cat(gm)), [a, b])
    PT.alphaless_backward(noise_loss, model_loss, [a, b])
    torch.testing.assert_close(a.grad, want[0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(b.grad, want[1], rtol=1e-12, atol=1e-12)


def test_bad_input(path):
    model = make_model(torch.float32)
    params = list(model.parameters())
    x = torch.randn(4, 6)
    nl, ml = losses(model, x, torch.zeros(4, 3), torch.ones(4, 3))
    with pytest.raises(ValueError, match="params is empty"):
        PT.alphaless_backward(nl, ml, [])
    with pytest.raises(ValueError, match=r"params\[1\] does not require grad"):
        PT.alphaless_backward(nl, ml, [params[0], torch.zeros(3)])
    with pytest.raises(TypeError, match=r"params\[0\]: expected a torch.Tensor"):
        PT.alphaless_backward(nl, ml, [1.0])
    with pytest.raises(ValueError, match="model_loss has 12 elements"):
        PT.alphaless_backward(nl, model(x), params)
    with pytest.raises(TypeError, match="noise_loss: expected a tensor"):
        PT.alphaless_backward(1.0, ml, params)
    with pytest.raises(ValueError, match="noise_loss does not require grad"):
        PT.alphaless_backward(nl.detach(), ml, params)
    params[0].grad = torch.zeros_like(params[0], requires_grad=True)
    with pytest.raises(ValueError, match=r"params\[0\].grad requires grad"):
        PT.alphaless_backward(nl, ml, params)
    params[0].grad = None
    mixed = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2, dtype=torch.float64))]
    loss = mixed[0].sum() + mixed[1].sum().float()
    with pytest.raises(TypeError, match="one dtype"):
        PT.alphaless_backward(loss, loss * 2, mixed)
    unrelated = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError, match="no parameter has a gradient"):
        PT.alphaless_backward(nl, ml, [unrelated])


def test_nonfinite_gradient_raises_and_leaves_grad_alone(path):
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    q = torch.nn.Parameter(torch.tensor([3.0]))
    p.grad = torch.tensor([7.0, 7.0])
    noise_loss = (p * torch.tensor([1.0, math.inf])).sum() + q.sum()
    model_loss = p.sum() + q.sum()
    with pytest.raises(P.ProjectionError) as ei:
        PT.alphaless_backward(noise_loss, model_loss, [p, q])
    assert ei.value.status == P.ERR_NONFINITE
    assert torch.equal(p.grad, torch.tensor([7.0, 7.0])) and q.grad is None


def test_the_readme_training_loop_runs(capsys):
    """The training loop of bindings/python/README.md, as written."""
    import os
    import re
    readme = os.path.join(os.path.dirname(__file__), "..", "README.md")
    with open(readme) as f:
        text = f.read()
    code = re.search(r"### A training step.*?```python\n(.*?)```", text, re.S).group(1)
    torch.manual_seed(0)
    exec(compile(code, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 and lines[0].startswith("step 0: model loss")
    first, last = (float(re.search(r"model loss (\S+),", l).group(1)) for l in (lines[0], lines[-1]))
    assert last < first  # it trains


def test_parameters_on_two_devices_are_refused():
    p = torch.nn.Parameter(torch.ones(2))
    q = torch.nn.Parameter(torch.ones(2, device="meta"))
    with pytest.raises(ValueError, match="one device"):
        PT.set_alphaless_grad([p, q], [torch.ones(2), torch.ones(2, device="meta")],
                              [torch.ones(2), torch.ones(2, device="meta")])
    with pytest.raises(ValueError, match="same device"):
        PT.set_alphaless_grad([p], [torch.ones(2, device="meta")], [torch.ones(2)])


def test_a_grad_that_no_longer_fits_its_parameter_is_refused(path):
    """p.data replaced after p.grad was set: p.grad keeps the old shape or dtype. Writing
    p's gradient into it would run past its end (or reinterpret it): refused, and no
    .grad changed."""
    for new in (torch.zeros(20), torch.zeros(3, 4, dtype=torch.float64), torch.zeros(4, 3)):
        p = torch.nn.Parameter(torch.ones(3, 4))
        q = torch.nn.Parameter(torch.ones(2))
        p.grad, q.grad = torch.full((3, 4), 7.0), torch.full((2,), 7.0)
        p.data = new
        g = [torch.ones_like(new), torch.ones(2)]
        with pytest.raises(ValueError, match=r"params\[0\]\.grad is torch.float32 of shape "
                                             r"\(3, 4\) on cpu but params\[0\] is"):
            PT.set_alphaless_grad([p, q], g, [2 * x for x in g])
        assert p.grad.shape == (3, 4) and torch.all(p.grad == 7) and torch.all(q.grad == 7)
