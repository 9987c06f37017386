"""The losses of "DL Thinking: Designing the Loss Function", each tied to its display equation.

Every function decorated with ``@equation`` is the code the post trains with; every ``@check``
recomputes the same quantity with an independent routine (torch.distributions, torch.nn losses,
scipy, autograd) on seeded random inputs and on the edge cases that matter: zero spike counts,
silent neurons, tiny standard deviations, easy and degenerate triplets, exactly inverse maps.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special
import scipy.stats
import torch

from folio import Case, check, equation

DT = torch.float64


def _t(a):
    return torch.as_tensor(a, dtype=DT)


# --------------------------------------------------------------------------------------------
# Problem 1: spike counts are Poisson
# --------------------------------------------------------------------------------------------


@equation("eq-poisson-pmf")
def poisson_pmf(k, lam):
    """P(k; λ) = λ^k e^{-λ} / k!, elementwise, exactly as written."""
    k, lam = np.asarray(k, dtype=float), np.asarray(lam, dtype=float)
    return lam**k * np.exp(-lam) / scipy.special.factorial(k)


def _pmf_cases(rng):
    cases = []
    for _ in range(5):
        lam = rng.uniform(0.05, 20.0, size=40)
        k = rng.poisson(lam).astype(float)
        cases.append(Case.of(k, lam, name="k ~ Poisson(λ), λ in [0.05, 20]"))
    cases.append(Case.of(np.zeros(4), np.array([1e-6, 0.1, 1.0, 30.0]), name="zero counts"))
    cases.append(Case.of(np.array([0.0, 3.0, 12.0]), np.array([1e-9, 1e-3, 0.5]),
                         name="counts far above a tiny rate"))
    cases.append(Case.of(np.array([60.0, 45.0]), np.array([55.0, 60.0]), name="large counts"))
    return cases


@check("eq-poisson-pmf", kind="library", oracle="exp of torch.distributions.Poisson(λ).log_prob(k)",
       rtol=1e-12, cases=_pmf_cases)
def poisson_pmf_by_torch(k, lam):
    return torch.distributions.Poisson(_t(lam)).log_prob(_t(k)).exp()


@check("eq-poisson-pmf", kind="library", oracle="scipy.stats.poisson.pmf(k, λ)", rtol=1e-12, cases=_pmf_cases)
def poisson_pmf_by_scipy(k, lam):
    return scipy.stats.poisson.pmf(k, lam)


@equation("eq-poisson-nll")
def poisson_nll(lam, k):
    """Σ over neurons and bins of λ − k log λ + log k!; 0·log 0 is taken as 0 (a silent neuron)."""
    return (lam - torch.xlogy(k, lam) + torch.lgamma(k + 1)).sum()


def _nll_cases(rng):
    cases = []
    for _ in range(5):
        lam = rng.gamma(1.5, 1.0, size=(6, 50)) + 1e-3  # neurons x bins, many low rates
        k = rng.poisson(lam).astype(float)
        cases.append(Case.of(_t(lam), _t(k), name="6 neurons x 50 bins"))
    lam = np.array([[1e-6, 0.01, 0.5, 3.0]])
    cases.append(Case.of(_t(lam), _t(np.zeros_like(lam)), name="all counts zero"))
    cases.append(Case.of(_t([[0.0, 0.0, 2.0]]), _t([[0.0, 0.0, 5.0]]),
                         name="silent neuron: λ = 0 and k = 0"))
    return cases


@check("eq-poisson-nll", kind="library", oracle="minus the sum of torch.distributions.Poisson(λ).log_prob(k)",
       rtol=1e-12, cases=_nll_cases)
def poisson_nll_by_distributions(lam, k):
    return -torch.distributions.Poisson(lam).log_prob(k).sum()


def _nll_cases_positive(rng):
    return [c for c in _nll_cases(rng) if "silent" not in c.name]


@check("eq-poisson-nll", kind="library",
       oracle="torch.nn.PoissonNLLLoss(log_input=False, full=False, reduction='sum') plus the "
              "exact constant Σ lgamma(k + 1); the loss adds eps = 1e-8 inside the log",
       rtol=1e-7, cases=_nll_cases_positive)
def poisson_nll_by_torch_loss(lam, k):
    loss = torch.nn.PoissonNLLLoss(log_input=False, full=False, reduction="sum")
    return loss(lam, k) + torch.special.gammaln(k + 1).sum()


@equation("eq-negbin-nll")
def negbin_nll(mu, r, k):
    """Σ over neurons and bins of −log NB(k; μ, r): log k! + log Γ(r) − log Γ(k + r)
    − r log(r / (r + μ)) − k log(μ / (r + μ)); 0·log 0 is taken as 0."""
    return (torch.lgamma(k + 1) + torch.lgamma(r) - torch.lgamma(k + r)
            - r * torch.log(r / (r + mu)) - torch.xlogy(k, mu / (r + mu))).sum()


def _negbin_cases(rng):
    cases = []
    for _ in range(5):
        mu = rng.gamma(1.5, 1.0, size=(6, 40)) + 1e-3
        r = np.broadcast_to(rng.uniform(0.3, 8.0, size=(6, 1)), mu.shape).copy()
        k = rng.poisson(mu * rng.gamma(r, 1.0 / r)).astype(float)  # gamma-Poisson: NB draws
        cases.append(Case.of(_t(mu), _t(r), _t(k), name="6 neurons x 40 bins, r in [0.3, 8]"))
    cases.append(Case.of(_t([1e-4, 0.5, 3.0, 20.0]), _t([0.1, 1.0, 2.0, 50.0]), _t([0.0] * 4),
                         name="all counts zero"))
    cases.append(Case.of(_t([0.2, 2.0, 5.0]), _t([0.05, 0.5, 200.0]), _t([7.0, 30.0, 4.0]),
                         name="large counts, extreme dispersions"))
    return cases


@check("eq-negbin-nll", kind="library",
       oracle="minus the sum of torch.distributions.NegativeBinomial(total_count=r, "
              "probs=μ/(r + μ)).log_prob(k) (torch counts successes before r failures, so its "
              "mean is rp/(1 − p) = μ)",
       rtol=1e-12, cases=_negbin_cases)
def negbin_nll_by_distributions(mu, r, k):
    return -torch.distributions.NegativeBinomial(total_count=r, probs=mu / (r + mu)).log_prob(k).sum()


@check("eq-negbin-nll", kind="library",
       oracle="minus the sum of scipy.stats.nbinom.logpmf(k, n=r, p=r/(r + μ))", rtol=1e-12,
       cases=_negbin_cases)
def negbin_nll_by_scipy(mu, r, k):
    mu, r, k = mu.numpy(), r.numpy(), k.numpy()
    return -scipy.stats.nbinom.logpmf(k, r, r / (r + mu)).sum()


@equation("eq-poisson-score")
def poisson_score(eta, k):
    """Derivative of one bin's Poisson NLL with respect to η = log λ: λ − k."""
    return torch.exp(eta) - k


def _score_cases(rng):
    cases = []
    for _ in range(5):
        eta = rng.uniform(-4.0, 3.0, size=30)
        k = rng.poisson(np.exp(eta)).astype(float)
        cases.append(Case.of(_t(eta), _t(k), name="random log-rates"))
    cases.append(Case.of(_t([-6.0, 0.0, 2.0]), _t([0.0, 0.0, 0.0]), name="zero counts"))
    return cases


@check("eq-poisson-score", kind="autograd",
       oracle="torch autograd of −Poisson(exp(η)).log_prob(k) with respect to η",
       rtol=1e-12, cases=_score_cases)
def poisson_score_by_autograd(eta, k):
    eta = eta.clone().requires_grad_(True)
    nll = -torch.distributions.Poisson(torch.exp(eta)).log_prob(k).sum()
    (grad,) = torch.autograd.grad(nll, eta)
    return grad


@equation("eq-mse-score")
def mse_score(eta, k):
    """Derivative of one bin's squared error (λ − k)² with respect to η = log λ: 2λ(λ − k)."""
    lam = torch.exp(eta)
    return 2 * lam * (lam - k)


@check("eq-mse-score", kind="autograd",
       oracle="torch autograd of torch.nn.functional.mse_loss(exp(η), k, reduction='sum')",
       rtol=1e-12, cases=_score_cases)
def mse_score_by_autograd(eta, k):
    eta = eta.clone().requires_grad_(True)
    loss = torch.nn.functional.mse_loss(torch.exp(eta), k, reduction="sum")
    (grad,) = torch.autograd.grad(loss, eta)
    return grad


# --------------------------------------------------------------------------------------------
# Problem 2: regression that knows its uncertainty
# --------------------------------------------------------------------------------------------


@equation("eq-gauss-pdf")
def gauss_pdf(y, mu, sigma):
    """The normal density with mean μ and standard deviation σ, as written."""
    return 1.0 / (sigma * math.sqrt(2 * math.pi)) * torch.exp(-((y - mu) ** 2) / (2 * sigma**2))


def _gauss_cases(rng):
    cases = []
    for _ in range(5):
        n = 64
        mu = rng.normal(0.0, 2.0, n)
        sigma = np.exp(rng.uniform(-2.0, 1.0, n))
        y = mu + sigma * rng.standard_normal(n) * rng.uniform(0.0, 3.0, n)
        cases.append(Case.of(_t(y), _t(mu), _t(sigma), name="random μ, σ in [0.14, 2.7]"))
    cases.append(Case.of(_t([0.0, 1e-4, 3e-3]), _t([0.0, 0.0, 0.0]), _t([1e-3, 1e-3, 1e-3]),
                         name="tiny σ = 1e-3"))
    cases.append(Case.of(_t([0.5, -0.5]), _t([0.5, -0.4999]), _t([1e-5, 1e-4]),
                         name="tiny σ = 1e-5 and 1e-4"))
    return cases


@check("eq-gauss-pdf", kind="library", oracle="exp of torch.distributions.Normal(μ, σ).log_prob(y)",
       rtol=1e-12, cases=_gauss_cases)
def gauss_pdf_by_torch(y, mu, sigma):
    return torch.distributions.Normal(mu, sigma).log_prob(y).exp()


@check("eq-gauss-pdf", kind="library", oracle="scipy.stats.norm.pdf(y, loc=μ, scale=σ)", rtol=1e-12,
       cases=_gauss_cases)
def gauss_pdf_by_scipy(y, mu, sigma):
    return scipy.stats.norm.pdf(y.numpy(), loc=mu.numpy(), scale=sigma.numpy())


@equation("eq-gauss-nll")
def gauss_nll(y, mu, sigma):
    """Σ_i log σ_i + (y_i − μ_i)² / (2σ_i²) + ½ log 2π."""
    return (torch.log(sigma) + (y - mu) ** 2 / (2 * sigma**2) + 0.5 * math.log(2 * math.pi)).sum()


@check("eq-gauss-nll", kind="library", oracle="minus the sum of torch.distributions.Normal(μ, σ).log_prob(y)",
       rtol=1e-12, cases=_gauss_cases)
def gauss_nll_by_distributions(y, mu, sigma):
    return -torch.distributions.Normal(mu, sigma).log_prob(y).sum()


@check("eq-gauss-nll", kind="library",
       oracle="torch.nn.GaussianNLLLoss(full=True, reduction='sum', eps=1e-30) given the "
              "variance σ²; its default eps = 1e-6 would clamp σ² for every σ below 1e-3",
       rtol=1e-12, cases=_gauss_cases)
def gauss_nll_by_torch_loss(y, mu, sigma):
    loss = torch.nn.GaussianNLLLoss(full=True, reduction="sum", eps=1e-30)
    return loss(mu, y, sigma**2)


# --------------------------------------------------------------------------------------------
# Problem 3: an embedding in which distance means identity
# --------------------------------------------------------------------------------------------


@equation("eq-triplet")
def triplet_loss(a, p, n, margin):
    """Per triplet: max(0, ‖a − p‖² − ‖a − n‖² + α), for rows of embeddings a, p, n."""
    d_ap = ((a - p) ** 2).sum(dim=-1)
    d_an = ((a - n) ** 2).sum(dim=-1)
    return torch.clamp(d_ap - d_an + margin, min=0.0)


def _triplet_cases(rng):
    cases = []
    for margin in (0.2, 0.5, 1.0):
        a, p, n = (rng.standard_normal((32, 8)) for _ in range(3))
        p = a + 0.5 * p  # positives nearer on average, so some hinges are active and some not
        cases.append(Case.of(_t(a), _t(p), _t(n), margin, name=f"random triplets, α = {margin}"))
    a = rng.standard_normal((4, 8))
    cases.append(Case.of(_t(a), _t(a), _t(a + 10.0), 0.2, name="easy triplets: loss exactly 0"))
    cases.append(Case.of(_t(a), _t(a), _t(a), 0.2, name="a = p = n: loss equals the margin"))
    cases.append(Case.of(_t(a), _t(a + 3.0), _t(a), 0.2, name="hard: negative on the anchor"))
    return cases


@check("eq-triplet", kind="library",
       oracle="torch.nn.TripletMarginWithDistanceLoss(distance_function=squared Euclidean, "
              "margin=α, reduction='none')",
       rtol=1e-12, cases=_triplet_cases)
def triplet_by_torch_loss(a, p, n, margin):
    loss = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: (u - v).pow(2).sum(dim=-1), margin=margin,
        reduction="none")
    return loss(a, p, n)


# --------------------------------------------------------------------------------------------
# Problem 4: unpaired translation, made consistent
# --------------------------------------------------------------------------------------------


@equation("eq-cycle")
def cycle_loss(G, F, x, y):
    """E_x ‖F(G(x)) − x‖₁ + E_y ‖G(F(y)) − y‖₁ over a batch: L1 norm per sample, then mean."""
    forward = (F(G(x)) - x).abs().sum(dim=-1).mean()
    backward = (G(F(y)) - y).abs().sum(dim=-1).mean()
    return forward + backward


def _small_mlp(gen):
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    with torch.no_grad():
        for prm in net.parameters():
            prm.copy_(torch.randn(prm.shape, generator=gen))
    return net.double()


class _Linear:
    def __init__(self, A, b):
        self.A, self.b = A, b

    def __call__(self, z):
        return z @ self.A.T + self.b


def _cycle_cases(rng):
    cases = []
    for i in range(4):
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        G, F = _small_mlp(gen), _small_mlp(gen)
        x, y = _t(rng.standard_normal((100, 2))), _t(rng.standard_normal((80, 2)) * 2 + 1)
        cases.append(Case.of(G, F, x, y, name=f"random MLPs G and F, draw {i}"))
    A = _t(rng.standard_normal((2, 2)) + 2 * np.eye(2))
    b = _t(rng.standard_normal(2))
    G = _Linear(A, b)
    F = _Linear(torch.linalg.inv(A), -torch.linalg.solve(A, b))
    x, y = _t(rng.standard_normal((50, 2))), _t(rng.standard_normal((50, 2)))
    cases.append(Case.of(G, F, x, y, name="F is exactly the inverse of G: loss 0"))
    return cases


@check("eq-cycle", kind="library",
       oracle="torch.nn.L1Loss (mean over all entries) on the composed maps F∘G and G∘F, "
              "times the dimension 2",
       rtol=1e-12, atol=1e-13, cases=_cycle_cases)
def cycle_by_l1loss(G, F, x, y):
    l1 = torch.nn.L1Loss()
    return x.shape[-1] * l1(F(G(x)), x) + y.shape[-1] * l1(G(F(y)), y)
