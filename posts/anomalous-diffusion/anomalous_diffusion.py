"""Anomalous diffusion: continuous-time random walks, Lévy walks and fractional Brownian motion.

Every displayed equation of the post has a code counterpart here (``@equation``) and at least one
check against an independent oracle (``@check``). Simulations are vectorised over walkers and
seeded, so every number on the page is reproducible.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gamma as Gamma

from folio import Case, Estimate, check, equation


def rng_for(*params) -> np.random.Generator:
    """A generator seeded by the parameters of a simulation: deterministic, distinct per case."""
    words = np.frombuffer(np.asarray(params, dtype=np.float64).tobytes(), dtype=np.uint32)
    return np.random.default_rng(np.random.SeedSequence(words.tolist()))


# --------------------------------------------------------------------------------------------
# One simulator for every walk in the post.
#
# A walker lives through a sequence of segments. Segment k lasts tau_k, during which the walker
# moves at constant velocity v_k; at its end the walker jumps by J_k. A CTRW is v = 0 (rest, then
# jump); a Lévy walk is J = 0 (fly at constant speed, then turn).


def segment_walk(rng, n_walkers, t_query, draw_duration, draw_move, chunk=256):
    """Positions, shape (n_walkers, len(t_query)), of walkers that start at x = 0 at t = 0.

    ``draw_duration(rng, shape)`` draws segment durations; ``draw_move(rng, tau)`` returns the
    velocities and end-of-segment jumps, shaped like ``tau``. Segments are drawn ``chunk`` at a
    time, only for walkers whose clock has not yet passed the last query time.
    """
    t_query = np.asarray(t_query, dtype=float)
    t_max, nq = t_query[-1], t_query.size
    out = np.zeros((n_walkers, nq))
    clock = np.zeros(n_walkers)  # start time of each walker's next segment
    pos = np.zeros(n_walkers)  # and its position then
    active = np.arange(n_walkers)
    cap = 2.0 * (t_max + 1.0)  # row offset that keeps every walker's times apart in one sort
    while active.size:
        na = active.size
        tau = draw_duration(rng, (na, chunk))
        v, J = draw_move(rng, tau)
        ends = clock[active, None] + np.cumsum(tau, axis=1)
        starts = ends - tau
        disp = v * tau + J
        x_after = pos[active, None] + np.cumsum(disp, axis=1)
        x_start = x_after - disp
        # The segment holding query time t is the number of segment ends <= t; one searchsorted
        # over all walkers at once, each walker's times shifted into its own window.
        rows = np.arange(na)[:, None]
        flat = (np.minimum(ends, t_max + 1.0) + rows * cap).ravel()
        k = np.searchsorted(flat, (t_query + rows * cap).ravel(), side="right").reshape(na, nq)
        k -= rows * chunk
        inside = (k < chunk) & (t_query >= starts[:, :1])
        k = np.minimum(k, chunk - 1)
        x = x_start[rows, k] + v[rows, k] * (t_query - starts[rows, k])
        block = out[active]
        block[inside] = x[inside]
        out[active] = block
        clock[active], pos[active] = ends[:, -1], x_after[:, -1]
        active = active[clock[active] <= t_max]
    return out


def exponential_waits(mean):
    return lambda rng, shape: rng.exponential(mean, shape)


def pareto_durations(exponent, t_min=1.0):
    """Durations with density exponent t_min^exponent / tau^(1 + exponent) for tau >= t_min."""
    return lambda rng, shape: t_min * (1.0 + rng.pareto(exponent, shape))


def gaussian_jumps(sigma=1.0):
    """CTRW moves: rest (v = 0), then a Gaussian jump of standard deviation sigma."""
    return lambda rng, tau: (np.zeros_like(tau), sigma * rng.standard_normal(tau.shape))


def constant_speed(speed=1.0):
    """Lévy-walk moves: fly left or right at a fixed speed, no jump at the end."""
    return lambda rng, tau: (speed * rng.choice([-1.0, 1.0], size=tau.shape), np.zeros_like(tau))


def ensemble_msd(x):
    """<x^2> over walkers at each time, and its standard error."""
    x2 = x**2
    return x2.mean(axis=0), x2.std(axis=0, ddof=1) / np.sqrt(x.shape[0])


def log_slope(t, y):
    """Least-squares slope of log y against log t (the oracles' own fit, kept independent)."""
    return np.polyfit(np.log(t), np.log(y), 1)[0]


# --------------------------------------------------------------------------------------------
# The anomalous exponent, read off an MSD curve.


@equation("eq-msd-power")
def msd_exponent(t, msd):
    """Fit <x^2(t)> = K t^alpha by least squares on log-log axes; return alpha."""
    A = np.column_stack([np.log(t), np.ones(len(t))])
    (alpha, _), *_ = np.linalg.lstsq(A, np.log(msd), rcond=None)
    return alpha


@check("eq-msd-power", kind="property", oracle="exact power laws K t^α (no noise): the fit returns α",
       relation=True, rtol=1e-12, atol=1e-12,
       cases=lambda rng: [Case.of(10 ** rng.uniform(-3, 3), rng.uniform(0, 2), name=f"random K, α {i}")
                          for i in range(4)]
       + [Case.of(1.0, 0.0, name="α = 0: a trapped particle"),
          Case.of(1e-12, 2.0, name="α = 2: ballistic, tiny prefactor")])
def exponent_of_exact_power(fit, K, alpha):
    t = np.logspace(0, 2, 15)
    return fit(t, K * t**alpha), alpha


# --------------------------------------------------------------------------------------------
# Fractional Brownian motion: exact Gaussian paths with alpha = 2H.


@equation("eq-fbm-covariance")
def fbm_covariance(s, t, H):
    """<B_H(s) B_H(t)> = (s^2H + t^2H - |t - s|^2H) / 2."""
    return 0.5 * (s ** (2 * H) + t ** (2 * H) - np.abs(t - s) ** (2 * H))


def fbm_paths(t, H, n_paths, rng):
    """Exact fBm samples at times t, shape (n_paths, len(t)), by Cholesky factorisation."""
    C = fbm_covariance(t[:, None], t[None, :], H)
    L = np.linalg.cholesky(C)
    return (L @ rng.standard_normal((t.size, n_paths))).T


def _pairs(rng):
    cases = []
    for i in range(4):
        s, t = 10 ** rng.uniform(-2, 2, size=(2, 50))
        H = rng.uniform(0.05, 0.95)
        cases.append(Case.of(s, t, H, name=f"H = {H:.2f}"))
    s = np.linspace(0.1, 5, 50)
    cases.append(Case.of(s, s, 0.3, name="s = t: the variance t^2H"))
    cases.append(Case.of(s, s[::-1], 0.999, name="H → 1: nearly ballistic"))
    return cases


@check("eq-fbm-covariance", kind="property",
       oracle="stationary increments: ⟨(B(t) − B(s))²⟩ = C(t,t) + C(s,s) − 2C(s,t) must be |t − s|^(2H)",
       relation=True, rtol=1e-12, atol=1e-12, cases=_pairs)
def fbm_increment_variance(C, s, t, H):
    return C(t, t, H) + C(s, s, H) - 2 * C(s, t, H), np.abs(t - s) ** (2 * H)


@check("eq-fbm-covariance", kind="reimplementation", oracle="H = ½ is Brownian motion: covariance min(s, t)", rtol=1e-14,
       cases=lambda rng: [Case.of(*(10 ** rng.uniform(-2, 2, size=(2, 40))), 0.5) for _ in range(4)])
def fbm_brownian_case(s, t, H):
    return np.minimum(s, t)


FBM_TIMES = np.arange(1.0, 201.0)  # 200 equally spaced times: two decades with t = 2 ... 200
FBM_FIT = np.unique(np.round(np.logspace(np.log10(2), np.log10(200), 12)).astype(int)) - 1


@check("eq-msd-power", kind="property",
       oracle="fractional Brownian motion sampled exactly (Cholesky, 4 000 paths, t = 1 … 200), "
              "for which α = 2H exactly; tolerance 5 jackknife SE of the fitted α",
       relation=True,
       cases=[Case.of(H, name=f"H = {H}") for H in (0.1, 0.25, 0.4, 0.5, 0.65, 0.8, 0.9)])
def exponent_of_fbm(fit, H):
    x = fbm_paths(FBM_TIMES, H, 4000, rng_for(H))
    t = FBM_TIMES[FBM_FIT]
    x2 = x[:, FBM_FIT] ** 2
    alpha = fit(t, x2.mean(axis=0))
    # Jackknife over 20 groups of paths for the standard error of the fitted exponent.
    groups = np.array_split(np.arange(x2.shape[0]), 20)
    total = x2.sum(axis=0)
    loo = np.array([fit(t, (total - x2[g].sum(axis=0)) / (x2.shape[0] - g.size)) for g in groups])
    se = np.sqrt((len(groups) - 1) * np.mean((loo - loo.mean()) ** 2))
    return alpha, Estimate(2 * H, se)


# --------------------------------------------------------------------------------------------
# Continuous-time random walks.


@equation("eq-ctrw-exponential")
def ctrw_msd_exponential(t, sigma, tau0):
    """<x^2(t)> = sigma^2 t / tau0 for exponential waits of mean tau0 and jump variance sigma^2."""
    return sigma**2 * np.asarray(t, dtype=float) / tau0


@check("eq-ctrw-exponential", kind="simulation",
       oracle="Monte Carlo: 10 000 CTRW walkers with exponential waits and Gaussian jumps",
       cases=lambda rng: [Case.of(np.logspace(0, 2, 9) * tau0, sigma, tau0,
                                  name=f"σ = {sigma:.2f}, τ₀ = {tau0:.2f}")
                          for sigma, tau0 in rng.uniform(0.2, 3.0, size=(3, 2))])
def ctrw_exponential_simulated(t, sigma, tau0):
    x = segment_walk(rng_for(sigma, tau0), 10_000, t, exponential_waits(tau0), gaussian_jumps(sigma))
    return Estimate(*ensemble_msd(x))


@check("eq-ctrw-exponential", kind="property",
       oracle="log–log fit of the simulated MSD (10 000 walkers, t = τ₀ … 100τ₀) gives α = 1 ± 0.08",
       relation=True, atol=0.08, cases=[Case.of(1.0, 1.0), Case.of(0.5, 4.0)])
def ctrw_exponential_fitted_alpha(msd, sigma, tau0):
    t = np.logspace(0, 2, 9) * tau0
    x = segment_walk(rng_for(sigma, tau0, 1.0), 10_000, t, exponential_waits(tau0),
                     gaussian_jumps(sigma))
    return log_slope(t, msd(t, sigma, tau0)), log_slope(t, ensemble_msd(x)[0])


@equation("eq-ctrw-subdiffusion")
def ctrw_msd_subdiffusive(t, beta, sigma=1.0, tau_min=1.0):
    """Long-time <x^2(t)> for Pareto waits (tail exponent 0 < beta < 1) and jump variance sigma^2."""
    return sigma**2 * (np.asarray(t, dtype=float) / tau_min) ** beta / (Gamma(1 - beta) * Gamma(1 + beta))


CTRW_T = np.logspace(2, 4, 11)  # two decades, well past the shortest wait tau_min = 1


def ctrw_pareto_msd(beta, n_walkers=5000, sigma=1.0, t=CTRW_T):
    x = segment_walk(rng_for(beta, sigma), n_walkers, t, pareto_durations(beta), gaussian_jumps(sigma))
    return ensemble_msd(x)


@check("eq-ctrw-subdiffusion", kind="property",
       oracle="log–log fit of a simulated CTRW with Pareto waits (5 000 walkers, t = 10² … 10⁴ τ_min): "
              "fitted α within ±0.08 of β",
       relation=True, atol=0.08,
       cases=[Case.of(b, name=f"β = {b}") for b in (0.3, 0.5, 0.7)])
def ctrw_subdiffusive_fitted_alpha(msd, beta):
    return log_slope(CTRW_T, msd(CTRW_T, beta)), log_slope(CTRW_T, ctrw_pareto_msd(beta)[0])


@check("eq-ctrw-subdiffusion", kind="property",
       oracle="prefactor: the same simulation's MSD at t = 10⁴ τ_min, within 15% (the formula is "
              "the leading term; corrections fade like t^(−β), sampling error ≈ 3%)",
       relation=True, rtol=0.15,
       cases=[Case.of(b, name=f"β = {b}") for b in (0.3, 0.5, 0.7)])
def ctrw_subdiffusive_prefactor(msd, beta):
    return msd(CTRW_T[-1], beta), ctrw_pareto_msd(beta)[0][-1]


# --------------------------------------------------------------------------------------------
# Lévy walks: constant speed, heavy-tailed flight times.


@equation("eq-levy-walk")
def levy_walk_exponent(mu):
    """MSD exponent of a Lévy walk whose flight times have density ~ tau^(-1 - mu)."""
    mu = np.asarray(mu, dtype=float)
    return np.where(mu < 1, 2.0, np.where(mu < 2, 3.0 - mu, 1.0))


LEVY_T = np.logspace(2, 4, 11)


def levy_walk_msd(mu, n_walkers=3000, speed=1.0, t=LEVY_T):
    x = segment_walk(rng_for(mu, speed), n_walkers, t, pareto_durations(mu), constant_speed(speed))
    return ensemble_msd(x)


@check("eq-levy-walk", kind="simulation",
       oracle="log–log fit of a simulated Lévy walk (3 000 walkers, unit speed, t = 10² … 10⁴ "
              "shortest flights), ±0.08",
       atol=0.08, cases=[Case.of(mu, name=f"μ = {mu}") for mu in (0.6, 1.3, 1.5, 1.7, 2.5)])
def levy_walk_fitted_alpha(mu):
    return log_slope(LEVY_T, levy_walk_msd(mu)[0])


# --------------------------------------------------------------------------------------------
# Lévy flights: the same heavy tail on the jump lengths, whose second moment does not exist.


def levy_flight_sample_msd(mu, n_steps, sample_sizes, rng):
    """Sample mean of x^2 after n_steps symmetric Pareto(mu) jumps, for growing ensembles."""
    n = max(sample_sizes)
    jumps = (1.0 + rng.pareto(mu, (n, n_steps))) * rng.choice([-1.0, 1.0], size=(n, n_steps))
    x2 = jumps.sum(axis=1) ** 2
    return np.array([x2[:s].mean() for s in sample_sizes])
