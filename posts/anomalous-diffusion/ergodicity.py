"""Weak ergodicity breaking of the subdiffusive CTRW: time averages along single trajectories.

The time-averaged MSD of one path of length T is
delta^2(D) = (1/(T - D)) int_0^(T - D) (x(t + D) - x(t))^2 dt. Paths are sampled on the integer
grid t = 0, 1, ..., T (waits are at least 1, so at most one jump falls between grid points) and
the integral becomes a mean over grid points.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gamma as Gamma

from anomalous_diffusion import gaussian_jumps, pareto_durations, rng_for, segment_walk
from exact_msd import ctrw_jump_count_ergodicity, ctrw_jumps_exact, ctrw_tamsd_exact
from folio import Case, Estimate, check, equation


def ctrw_grid_paths(beta, sigma, T, n_paths, rng, chunk=100):
    """Pareto-wait CTRW paths at t = 0, 1, ..., T, shape (n_paths, T + 1)."""
    grid = np.arange(T + 1, dtype=float)
    parts = [segment_walk(rng, min(chunk, n_paths - i), grid, pareto_durations(beta),
                          gaussian_jumps(sigma)) for i in range(0, n_paths, chunk)]
    return np.concatenate(parts)


def time_averaged_msd(paths, lags):
    """delta^2(D) of each path for each lag D (in grid steps): shape (n_paths, len(lags))."""
    return np.stack([np.mean((paths[:, D:] - paths[:, :-D]) ** 2, axis=1) for D in lags], axis=1)


def generalised_coefficient(beta, sigma, tau=1.0):
    return sigma**2 / (2 * Gamma(1 - beta) * tau**beta)


# --------------------------------------------------------------------------------------------


@equation("eq-tamsd")
def tamsd_mean(delta, T, beta, K):
    """<delta^2(D)> = 2 K_beta [T^(1+beta) - D^(1+beta) - (T - D)^(1+beta)] / (Gamma(2 + beta) (T - D)),
    which is 2 K_beta D / (Gamma(1 + beta) T^(1 - beta)) for D << T."""
    D = np.asarray(delta, dtype=float)
    return 2 * K * (T ** (1 + beta) - D ** (1 + beta) - (T - D) ** (1 + beta)) / (Gamma(2 + beta) * (T - D))


@check("eq-tamsd", kind="library",
       oracle="the exact ensemble mean of the time average, σ²[I(T) − I(Δ) − I(T − Δ)]/(T − Δ) with "
              "I(u) = ∫₀ᵘ ⟨N⟩ from renewal theory (mpmath Talbot inversion), at T = 10¹² and "
              "Δ/T = 10⁻⁶, 10⁻², 0.5, where the finite-time corrections are below 0.5%",
       relation=True, rtol=5e-3,
       cases=[Case.of(b, s, name=f"β = {b}, σ = {s}") for b, s in ((0.3, 1.0), (0.5, 2.0), (0.75, 1.0))])
def tamsd_vs_renewal_theory(formula, beta, sigma):
    T = 1e12
    lags = T * np.array([1e-6, 1e-2, 0.5])
    exact = np.array([ctrw_tamsd_exact(D, T, beta, sigma) for D in lags])
    return formula(lags, T, beta, generalised_coefficient(beta, sigma)), exact


TAMSD_T, TAMSD_LAGS, TAMSD_PATHS = 10_000, np.array([5, 20, 50]), 1000


def _tamsd_simulation(beta, sigma):
    paths = ctrw_grid_paths(beta, sigma, TAMSD_T, TAMSD_PATHS, rng_for(beta, sigma, 7.0))
    return time_averaged_msd(paths, TAMSD_LAGS)


@check("eq-tamsd", kind="simulation",
       oracle="Monte Carlo: 1 000 CTRW paths of length T = 10⁴ τ_min, the mean over paths of each "
              "path's time-averaged MSD at Δ = 5, 20, 50, within 5 standard errors; the formula is "
              "multiplied by its finite-time factor exact(Δ, T)·λ^β / exact(λΔ, λT) at λ = 10⁸, "
              "from renewal theory (it is 0.99 to 1.0 here)",
       relation=True, cases=[Case.of(b, s, name=f"β = {b}, σ = {s}") for b, s in ((0.5, 1.0), (0.35, 2.0))])
def tamsd_by_simulation(formula, beta, sigma):
    d2 = _tamsd_simulation(beta, sigma)
    lam = 1e8
    factor = np.array([ctrw_tamsd_exact(D, TAMSD_T, beta, sigma) * lam**beta
                       / ctrw_tamsd_exact(lam * D, lam * TAMSD_T, beta, sigma) for D in TAMSD_LAGS])
    got = formula(TAMSD_LAGS, TAMSD_T, beta, generalised_coefficient(beta, sigma)) * factor
    return got, Estimate(d2.mean(axis=0), d2.std(axis=0, ddof=1) / np.sqrt(d2.shape[0]))


@equation("eq-ergodicity-breaking")
def ergodicity_breaking(beta):
    """EB = <xi^2> - 1 = 2 Gamma(1 + beta)^2 / Gamma(1 + 2 beta) - 1, xi = delta^2 / <delta^2>."""
    return 2 * Gamma(1 + beta) ** 2 / Gamma(1 + 2 * beta) - 1


@check("eq-ergodicity-breaking", kind="library",
       oracle="renewal theory: for Δ ≪ T a path's δ² is proportional to its number of jumps, so EB "
              "is Var N(T)/⟨N(T)⟩² in the limit; ⟨N⟩ and ⟨N²⟩ by numerical Laplace inversion "
              "(mpmath Talbot) at T = 10¹⁴, where the corrections are below 0.005",
       atol=5e-3, cases=[Case.of(b, name=f"β = {b}") for b in (0.3, 0.5, 0.75)])
def eb_from_renewal_theory(beta):
    return ctrw_jump_count_ergodicity(1e14, beta)


def bootstrap_eb(d2, n_boot=400, seed=0):
    """EB from the scatter of the time averages, and its bootstrap standard error over paths."""
    xi = d2 / d2.mean()
    eb = np.mean(xi**2) - 1
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        sample = d2[rng.integers(0, d2.size, d2.size)]
        boots.append(np.mean((sample / sample.mean()) ** 2) - 1)
    return eb, np.std(boots, ddof=1)


@check("eq-ergodicity-breaking", kind="simulation",
       oracle="Monte Carlo: the scatter of the time-averaged MSD at Δ = 5 over 1 000 simulated paths "
              "of length T = 10⁴ (bootstrap SE over paths, 5 SE); the formula gets its finite-T "
              "bias, the exact Var N/⟨N⟩² at T minus that at 10¹⁴ plus 2/⟨N(T)⟩ from the scatter "
              "of Gaussian jump sizes",
       relation=True, cases=[Case.of(b, s, name=f"β = {b}, σ = {s}") for b, s in ((0.5, 1.0), (0.35, 2.0))])
def eb_by_simulation(eb, beta, sigma):
    d2 = _tamsd_simulation(beta, sigma)[:, 0]
    bias = (ctrw_jump_count_ergodicity(TAMSD_T, beta) - ctrw_jump_count_ergodicity(1e14, beta)
            + 2 / ctrw_jumps_exact(TAMSD_T, beta)[0])
    return eb(beta) + bias, Estimate(*bootstrap_eb(d2))
