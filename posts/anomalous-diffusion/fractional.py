"""The fractional side of the subdiffusive CTRW: the Montroll–Weiss propagator, the time-fractional
diffusion equation, Mittag-Leffler relaxation and the M-Wright propagator.

Waits are Pareto with psi(t) = beta tau^beta / t^(1 + beta) for t > tau, jumps Gaussian with
variance sigma^2. The series of the Mittag-Leffler and M-Wright functions cancel badly for large
arguments, so they are summed in mpmath at a precision that grows with the argument.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from scipy import integrate, special

from anomalous_diffusion import rng_for
from folio import Case, Estimate, check, equation


def pareto_wait_laplace(s, beta, tau=1.0):
    """psi~(s) = e^(-s tau) - (s tau)^beta Gamma(1 - beta, s tau), the Laplace transform of the
    Pareto wait density (scipy's regularised upper incomplete gamma function)."""
    x = np.asarray(s, dtype=float) * tau
    return np.exp(-x) - x**beta * special.gamma(1 - beta) * special.gammaincc(1 - beta, x)


def gaussian_jump_cf(k, sigma):
    """lambda~(k) = exp(-sigma^2 k^2 / 2), the characteristic function of a Gaussian jump."""
    return np.exp(-0.5 * (sigma * np.asarray(k, dtype=float)) ** 2)


def generalised_coefficient(beta, sigma, tau=1.0):
    """K_beta = sigma^2 / (2 Gamma(1 - beta) tau^beta)."""
    return sigma**2 / (2 * special.gamma(1 - beta) * tau**beta)


# --------------------------------------------------------------------------------------------
# Montroll–Weiss


@equation("eq-montroll-weiss")
def montroll_weiss(s, psi_s, lam_k):
    """P~(k, s) = (1 - psi~(s)) / (s (1 - psi~(s) lambda~(k)))."""
    return (1 - psi_s) / (s * (1 - psi_s * lam_k))


def laplace_fourier_of_walkers(beta, sigma, k, s, n_walkers, rng, tau=1.0, chunk=64):
    """Per walker, int_0^inf e^(-s t) cos(k x(t)) dt of a simulated CTRW path, exactly.

    The path is constant between jumps, so the integral is a sum over the rests:
    cos(k x_n) (e^(-s t_n) - e^(-s t_(n+1))) / s. Rests are drawn until e^(-s t) < 1e-14.
    Returns the mean over walkers and its standard error.
    """
    total = np.zeros(n_walkers)
    clock = np.zeros(n_walkers)
    x = np.zeros(n_walkers)
    active = np.arange(n_walkers)
    while active.size:
        waits = tau * (1.0 + rng.pareto(beta, (active.size, chunk)))
        jumps = sigma * rng.standard_normal((active.size, chunk))
        ends = clock[active, None] + np.cumsum(waits, axis=1)
        starts = ends - waits
        positions = x[active, None] + np.concatenate(
            [np.zeros((active.size, 1)), np.cumsum(jumps, axis=1)[:, :-1]], axis=1)
        total[active] += (np.cos(k * positions) * (np.exp(-s * starts) - np.exp(-s * ends))).sum(axis=1) / s
        clock[active] = ends[:, -1]
        x[active] = positions[:, -1] + jumps[:, -1]
        active = active[np.exp(-s * clock[active]) > 1e-14]
    return Estimate(total.mean(), total.std(ddof=1) / np.sqrt(n_walkers))


_MW_CASES = [Case.of(0.5, 1.0, 0.5, 0.01, name="β = 0.5, k = 0.5, s = 0.01"),
             Case.of(0.5, 1.0, 2.0, 0.05, name="β = 0.5, k = 2 (beyond the small-k limit)"),
             Case.of(0.3, 2.0, 0.3, 0.02, name="β = 0.3, σ = 2"),
             Case.of(0.8, 0.5, 1.0, 0.1, name="β = 0.8, σ = 0.5")]


@check("eq-montroll-weiss", kind="simulation",
       oracle="Monte Carlo: 20 000 simulated CTRW paths (Pareto waits, Gaussian jumps), each "
              "path's ∫ e^(−st) cos(kx(t)) dt summed exactly over its rests",
       relation=True, cases=_MW_CASES)
def montroll_weiss_by_simulation(mw, beta, sigma, k, s):
    got = mw(s, pareto_wait_laplace(s, beta), gaussian_jump_cf(k, sigma))
    return got, laplace_fourier_of_walkers(beta, sigma, k, s, 20_000, rng_for(beta, sigma, k, s))


@check("eq-montroll-weiss", kind="library",
       oracle="exponential waits of mean τ₀ make the jumps a Poisson process, so P̂(k, t) = "
              "exp(−(t/τ₀)(1 − λ̃(k))) exactly; its Laplace transform by scipy.integrate.quad",
       relation=True, rtol=1e-9,
       cases=[Case.of(t0, sg, k, s, name=f"τ₀ = {t0}, σ = {sg}, k = {k}, s = {s}")
              for t0, sg, k, s in ((1.0, 1.0, 0.5, 0.1), (3.0, 0.5, 2.0, 1.0), (0.2, 2.0, 0.1, 0.01))])
def montroll_weiss_poisson(mw, tau0, sigma, k, s):
    lam = gaussian_jump_cf(k, sigma)
    exact, _ = integrate.quad(lambda t: np.exp(-s * t - t / tau0 * (1 - lam)), 0, np.inf,
                              epsabs=0, epsrel=1e-12)
    return mw(s, 1 / (1 + s * tau0), lam), exact


# --------------------------------------------------------------------------------------------
# The time-fractional diffusion equation


@equation("eq-fractional-diffusion")
def fractional_diffusion_solution(k, s, beta, sigma, tau=1.0):
    """Fourier–Laplace solution of d^beta P/dt^beta = K_beta d2P/dx2 from P(x, 0) = delta(x):
    the Caputo derivative transforms to s^beta P~ - s^(beta - 1), so
    P~(k, s) = 1 / (s + K_beta k^2 s^(1 - beta)), with K_beta = sigma^2 / (2 Gamma(1 - beta) tau^beta)."""
    K = sigma**2 / (2 * special.gamma(1 - beta) * tau**beta)
    return 1 / (s + K * k**2 * s ** (1 - beta))


def _small_ks_cases(rng):
    cases = []
    for beta, sigma, tau in ((0.3, 1.0, 1.0), (0.5, 2.0, 0.5), (0.7, 0.5, 3.0), (0.6, 1.5, 0.2)):
        s = np.array([1e-12, 1e-11, 1e-10])
        K = generalised_coefficient(beta, sigma, tau)
        k = np.sqrt(rng.uniform(0.3, 3.0) * s**beta / K)      # K k² ~ s^β: the diffusive scaling
        cases.append(Case.of(k, s, beta, sigma, tau, name=f"β = {beta}, σ = {sigma}, τ = {tau}"))
    return cases


@check("eq-fractional-diffusion", kind="library",
       oracle="the exact Montroll–Weiss propagator of the CTRW with Pareto waits (ψ̃ from scipy's "
              "incomplete gamma function) at s = 10⁻¹² … 10⁻¹⁰ τ⁻¹ with K_β k² ~ s^β, where "
              "the neglected terms are O((sτ)^min(β, 1−β)) ≲ 10⁻³",
       relation=True, rtol=5e-3, cases=_small_ks_cases)
def fractional_diffusion_from_ctrw(solution, k, s, beta, sigma, tau):
    psi = pareto_wait_laplace(s, beta, tau)
    exact = (1 - psi) / (s * (1 - psi * gaussian_jump_cf(k, sigma)))
    return solution(k, s, beta, sigma, tau) * s, exact * s


# --------------------------------------------------------------------------------------------
# Mittag-Leffler relaxation


def _ml_one(z: float, beta: float) -> float:
    z = float(z)
    digits = 20 + abs(z) ** (1 / beta) * math.log10(math.e)
    with mp.workdps(int(digits) + 10):
        zz, b = mp.mpf(z), mp.mpf(beta)
        total, n, term = mp.mpf(0), 0, mp.mpf(1)
        while True:
            term = zz**n / mp.gamma(b * n + 1)
            total += term
            if n > 10 and abs(term) < mp.mpf(10) ** (-25) * max(abs(total), mp.mpf(10) ** -300):
                break
            n += 1
        return float(total)


@equation("eq-mittag-leffler")
def mittag_leffler(z, beta):
    """E_beta(z) = sum_n z^n / Gamma(beta n + 1), summed in high precision (mpmath)."""
    z = np.asarray(z, dtype=float)
    return np.vectorize(_ml_one, otypes=[float])(z, beta)


@check("eq-mittag-leffler", kind="special-case",
       oracle="E_½(−x) = e^(x²) erfc(x) (scipy.special.erfcx) and E_1(z) = e^z",
       rtol=1e-12,
       cases=[Case.of(-np.linspace(0, 6, 13), 0.5, name="β = ½, z = 0 … −6"),
              Case.of(np.linspace(-8, 2, 11), 1.0, name="β = 1: the exponential")])
def mittag_leffler_closed_forms(z, beta):
    return special.erfcx(-z) if beta == 0.5 else np.exp(z)


@check("eq-mittag-leffler", kind="library",
       oracle="numerical inversion (mpmath Talbot) of the Laplace transform s^(β−1)/(s^β + λ) of "
              "E_β(−λt^β), the Fourier mode of the fractional diffusion equation",
       relation=True, rtol=1e-9,
       cases=[Case.of(b, lam, name=f"β = {b}, λ = {lam}") for b, lam in ((0.3, 1.0), (0.6, 2.0), (0.9, 0.5))])
def mittag_leffler_by_laplace_inversion(ml, beta, lam):
    t = np.array([0.1, 0.5, 1.0, 3.0, 10.0])
    with mp.workdps(20):
        b, lm = mp.mpf(beta), mp.mpf(lam)
        inverted = [float(mp.invertlaplace(lambda s: s ** (b - 1) / (s**b + lm), ti, method="talbot"))
                    for ti in t]
    return ml(-lam * t**beta, beta), np.array(inverted)


# --------------------------------------------------------------------------------------------
# The propagator: Mainardi's M-Wright function


def _mwright_one(z: float, nu: float) -> float:
    z = abs(float(z))
    peak = z ** (1 / (1 - nu)) if z > 0 else 0.0      # where the terms are largest, roughly
    with mp.workdps(int(30 + peak * math.log10(math.e))):
        zz, v = mp.mpf(z), mp.mpf(nu)
        total, n, small = mp.mpf(0), 0, 0
        while True:
            term = (-zz) ** n / mp.factorial(n) * mp.rgamma(1 - v - v * n)
            total += term
            # Stop after several consecutive negligible terms past the peak (some terms are
            # exactly zero, at the poles of the gamma function).
            small = small + 1 if abs(term) < mp.mpf(10) ** -25 * abs(total) else 0
            if small >= 4 and n > 2 * peak + 10:
                break
            n += 1
        return float(total)


def mwright(z, nu):
    """M_nu(z) = sum_n (-z)^n / (n! Gamma(1 - nu - nu n)) for z >= 0."""
    return np.vectorize(_mwright_one, otypes=[float])(np.asarray(z, dtype=float), nu)


@equation("eq-propagator")
def fractional_propagator(x, t, beta, K):
    """P(x, t) = M_(beta/2)(|x| / sqrt(K t^beta)) / (2 sqrt(K t^beta))."""
    width = np.sqrt(K * t**beta)
    return mwright(np.abs(x) / width, beta / 2) / (2 * width)


@check("eq-propagator", kind="special-case",
       oracle="β = 1 is ordinary diffusion: the Gaussian exp(−x²/(4Kt))/√(4πKt)",
       rtol=1e-12,
       cases=[Case.of(np.linspace(-6, 6, 13), 1.0, 1.0, 1.0, name="K = t = 1"),
              Case.of(np.linspace(0, 10, 6), 2.5, 1.0, 3.0, name="K = 3, t = 2.5")])
def propagator_gaussian_case(x, t, beta, K):
    return np.exp(-x**2 / (4 * K * t)) / np.sqrt(4 * np.pi * K * t)


@check("eq-propagator", kind="library",
       oracle="Fourier transform 2∫₀^∞ cos(kx) P(x, t) dx by 160-node Gauss–Legendre quadrature "
              "(the tail beyond the grid is below 10⁻⁹) must equal the Mittag-Leffler mode "
              "E_β(−Kk²t^β), the solution of the fractional equation in Fourier space",
       relation=True, rtol=1e-7,
       cases=[Case.of(b, K, t, name=f"β = {b}, K = {K}, t = {t}") for b, K, t in ((0.5, 1.0, 1.0), (0.3, 0.5, 4.0), (0.8, 2.0, 0.5))])
def propagator_fourier(P, beta, K, t):
    width = np.sqrt(K * t**beta)
    reach = 25.0 if beta <= 0.5 else 15.0              # in units of the width
    nodes, weights = np.polynomial.legendre.leggauss(160)
    x = 0.5 * reach * width * (nodes + 1)
    w = 0.5 * reach * width * weights
    density = P(x, t, beta, K)
    ks = np.array([0.3, 1.0, 2.0]) / width
    got = np.array([2 * np.sum(w * np.cos(k * x) * density) for k in ks])
    return got, mittag_leffler(-K * ks**2 * t**beta, beta)
