"""Anomalous diffusion: continuous-time random walks, Lévy walks and fractional Brownian motion.

Every displayed equation of the post has a code counterpart here (``@equation``) and at least one
check against an independent oracle (``@check``). Simulations are vectorised over walkers and
seeded, so every number on the page is reproducible.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from scipy import stats
from scipy.special import gamma as Gamma

from exact_msd import ctrw_msd_exact, levy_walk_msd_exact
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


def fitted_exponent(t, x, fit=log_slope, groups=20):
    """The exponent fitted to the walkers' ensemble MSD, and its jackknife standard error.

    x has shape (walkers, times). The walkers are split into ``groups``; each group is left out
    in turn and the fit repeated, and the spread of those fits gives the standard error.
    """
    x2 = np.asarray(x) ** 2
    alpha = fit(t, x2.mean(axis=0))
    parts = np.array_split(np.arange(x2.shape[0]), groups)
    total = x2.sum(axis=0)
    loo = np.array([fit(t, (total - x2[g].sum(axis=0)) / (x2.shape[0] - g.size)) for g in parts])
    se = np.sqrt((groups - 1) * np.mean((loo - loo.mean()) ** 2))
    return alpha, se


def local_exponent(msd, t):
    """d log MSD / d log t at t, by a central difference of the exact finite-time MSD."""
    h = 0.05
    return float(np.log(msd(t * np.exp(h)) / msd(t * np.exp(-h)))[0] / (2 * h))


def finite_time_bias(msd, t_window, t_far=1e12):
    """How far the exponent fitted over ``t_window`` lies from the walk's asymptotic exponent,
    both read off the exact finite-time MSD (renewal theory, see exact_msd.py)."""
    return log_slope(t_window, msd(t_window)) - local_exponent(msd, t_far)


# --------------------------------------------------------------------------------------------
# The anomalous exponent, read off an MSD curve.


@equation("eq-msd-power")
def msd_exponent(t, msd):
    """Fit <x^2(t)> = K t^alpha by least squares on log-log axes; return alpha."""
    A = np.column_stack([np.log(t), np.ones(len(t))])
    (alpha, _), *_ = np.linalg.lstsq(A, np.log(msd), rcond=None)
    return alpha


def _noisy_power_laws(rng):
    cases = []
    for i in range(5):
        t = np.sort(10 ** rng.uniform(-1, 3, 12))
        K, alpha = 10 ** rng.uniform(-3, 3), rng.uniform(0, 2)
        msd = K * t**alpha * np.exp(0.3 * rng.standard_normal(t.size))
        cases.append(Case.of(t, msd, name=f"noisy power law, α = {alpha:.2f}, uneven times"))
    t = np.logspace(0, 2, 15)
    cases.append(Case.of(t, 1e-12 * t**2, name="exact ballistic law, tiny prefactor"))
    return cases


@check("eq-msd-power", kind="library",
       oracle="scipy.stats.linregress of log ⟨x²⟩ on log t, on noisy power laws at uneven times",
       rtol=1e-10, atol=1e-12, cases=_noisy_power_laws)
def exponent_by_linregress(t, msd):
    return stats.linregress(np.log(t), np.log(msd)).slope


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


def _mvn_kernel_product(s, t, H):
    """int K_s(u) K_t(u) du for the Mandelbrot–Van Ness kernel
    K_t(u) = (t - u)_+^(H - 1/2) - (-u)_+^(H - 1/2), by tanh-sinh quadrature (mpmath)."""
    a = mp.mpf(H) - mp.mpf(1) / 2
    past = mp.quad(lambda u: ((t - u) ** a - (-u) ** a) * ((s - u) ** a - (-u) ** a), [-mp.inf, -1, 0])
    recent = mp.quad(lambda u: (t - u) ** a * (s - u) ** a, [0, min(s, t)])
    return past + recent


def _mvn_pairs(rng):
    cases = []
    for i in range(3):
        s, t = 10 ** rng.uniform(-1, 1, size=(2, 5))
        H = rng.uniform(0.1, 0.9)
        cases.append(Case.of(s, t, H, name=f"H = {H:.2f}"))
    cases.append(Case.of(np.array([0.5, 2.0]), np.array([0.5, 3.0]), 0.3, name="s = t and s < t, H = 0.3"))
    return cases


@check("eq-fbm-covariance", kind="definition",
       oracle="Mandelbrot and Van Ness's moving-average definition B_H(t) ∝ ∫ [(t − u)₊^(H−½) − "
              "(−u)₊^(H−½)] dW(u): the covariance ∫ K_s K_t du by tanh-sinh quadrature (mpmath), "
              "normalised by ∫ K_1² du",
       rtol=1e-8, cases=_mvn_pairs)
def fbm_covariance_by_moving_average(s, t, H):
    with mp.workdps(20):
        norm = _mvn_kernel_product(1.0, 1.0, H)
        return np.array([float(_mvn_kernel_product(si, ti, H) / norm) for si, ti in zip(s, t)])


@check("eq-fbm-covariance", kind="special-case", oracle="H = ½ is Brownian motion: covariance min(s, t)", rtol=1e-14,
       cases=lambda rng: [Case.of(*(10 ** rng.uniform(-2, 2, size=(2, 40))), 0.5) for _ in range(4)])
def fbm_brownian_case(s, t, H):
    return np.minimum(s, t)


FBM_TIMES = np.arange(1.0, 201.0)  # 200 equally spaced times: two decades with t = 2 ... 200
FBM_FIT = np.unique(np.round(np.logspace(np.log10(2), np.log10(200), 12)).astype(int)) - 1


@check("eq-msd-power", kind="simulation",
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


@check("eq-ctrw-exponential", kind="simulation",
       oracle="log–log fit of the simulated MSD (10 000 walkers, t = τ₀ … 100τ₀), within 5 "
              "jackknife standard errors (20 groups of walkers); no finite-time bias, since the "
              "formula holds at every t",
       relation=True, cases=[Case.of(1.0, 1.0), Case.of(0.5, 4.0)])
def ctrw_exponential_fitted_alpha(msd, sigma, tau0):
    t = np.logspace(0, 2, 9) * tau0
    x = segment_walk(rng_for(sigma, tau0, 1.0), 10_000, t, exponential_waits(tau0),
                     gaussian_jumps(sigma))
    return log_slope(t, msd(t, sigma, tau0)), Estimate(*fitted_exponent(t, x))


@equation("eq-ctrw-subdiffusion")
def ctrw_msd_subdiffusive(t, beta, sigma=1.0, tau_min=1.0):
    """Long-time <x^2(t)> for Pareto waits (tail exponent 0 < beta < 1) and jump variance sigma^2."""
    return sigma**2 * (np.asarray(t, dtype=float) / tau_min) ** beta / (Gamma(1 - beta) * Gamma(1 + beta))


CTRW_T = np.logspace(2, 4, 5)  # two decades, well past the shortest wait tau_min = 1


def ctrw_pareto_walkers(beta, n_walkers=5000, sigma=1.0, t=CTRW_T):
    return segment_walk(rng_for(beta, sigma), n_walkers, t, pareto_durations(beta), gaussian_jumps(sigma))


def ctrw_pareto_msd(beta, n_walkers=5000, sigma=1.0, t=CTRW_T):
    return ensemble_msd(ctrw_pareto_walkers(beta, n_walkers, sigma, t))


def ctrw_bias(beta, t=CTRW_T):
    """Finite-time bias of the exponent fitted over t, from the exact renewal-theory MSD."""
    return finite_time_bias(lambda tt: ctrw_msd_exact(tt, beta), t)


@check("eq-ctrw-subdiffusion", kind="library",
       oracle="the exact renewal-theory MSD σ²⟨N(t)⟩, L[⟨N⟩](s) = ψ̃/(s(1 − ψ̃)) with ψ̃(s) = β s^β "
              "Γ(−β, s), inverted numerically (mpmath Talbot) at t = 10⁸ and 10¹⁰; the neglected "
              "corrections are below 0.5% there; waits in units of τ_min, so a walk with τ_min ≠ 1 "
              "is the same walk at time t/τ_min",
       relation=True, rtol=5e-3,
       cases=[Case.of(b, s, tm, name=f"β = {b}, σ = {s}, τ_min = {tm}")
              for b, s, tm in ((0.3, 1.0, 1.0), (0.5, 2.0, 0.01), (0.7, 0.5, 30.0))])
def ctrw_subdiffusive_vs_renewal_theory(msd, beta, sigma, tau_min):
    t = np.array([1e8, 1e10]) * tau_min
    return msd(t, beta, sigma, tau_min), ctrw_msd_exact(t / tau_min, beta, sigma)


@check("eq-ctrw-subdiffusion", kind="simulation",
       oracle="log–log fit of a simulated CTRW with Pareto waits (5 000 walkers, t = 10² … 10⁴ τ_min) "
              "within 5 jackknife standard errors, after adding the formula's finite-time bias "
              "over that window (fitted exponent of the exact renewal MSD minus its exponent at "
              "t = 10¹²)",
       relation=True, cases=[Case.of(b, name=f"β = {b}") for b in (0.3, 0.5, 0.7)])
def ctrw_subdiffusive_fitted_alpha(msd, beta):
    alpha = log_slope(CTRW_T, msd(CTRW_T, beta))
    return alpha + ctrw_bias(beta), Estimate(*fitted_exponent(CTRW_T, ctrw_pareto_walkers(beta)))


# --------------------------------------------------------------------------------------------
# Lévy walks: constant speed, heavy-tailed flight times.


@equation("eq-levy-walk")
def levy_walk_exponent(mu):
    """MSD exponent of a Lévy walk whose flight times have density ~ tau^(-1 - mu)."""
    mu = np.asarray(mu, dtype=float)
    return np.where(mu < 1, 2.0, np.where(mu < 2, 3.0 - mu, 1.0))


LEVY_T = np.logspace(2, 4, 5)
LEVY_MUS = (0.6, 1.3, 1.5, 1.7, 2.5)


def levy_walk_walkers(mu, n_walkers=3000, speed=1.0, t=LEVY_T):
    return segment_walk(rng_for(mu, speed), n_walkers, t, pareto_durations(mu), constant_speed(speed))


def levy_walk_msd(mu, n_walkers=3000, speed=1.0, t=LEVY_T):
    return ensemble_msd(levy_walk_walkers(mu, n_walkers, speed, t))


def levy_bias(mu, t=LEVY_T):
    return finite_time_bias(lambda tt: levy_walk_msd_exact(tt, mu), t)


@check("eq-levy-walk", kind="library",
       oracle="the local exponent d log⟨x²⟩/d log t at t = 10¹² of the exact Lévy-walk MSD (renewal "
              "equation M = t²Ψ + ψ ∗ (τ² + M), inverted from Laplace space by mpmath's Talbot "
              "method); corrections there are below 0.001",
       atol=1e-3, cases=[Case.of(mu, name=f"μ = {mu}") for mu in LEVY_MUS])
def levy_walk_exponent_from_renewal(mu):
    return local_exponent(lambda tt: levy_walk_msd_exact(tt, mu), 1e12)


@check("eq-levy-walk", kind="simulation",
       oracle="log–log fit of a simulated Lévy walk (3 000 walkers, unit speed, t = 10² … 10⁴ "
              "shortest flights) within 5 jackknife standard errors, after adding the finite-time "
              "bias over that window (fitted exponent of the exact MSD minus its exponent at 10¹²)",
       relation=True, cases=[Case.of(mu, name=f"μ = {mu}") for mu in LEVY_MUS])
def levy_walk_fitted_alpha(alpha, mu):
    return alpha(mu) + levy_bias(mu), Estimate(*fitted_exponent(LEVY_T, levy_walk_walkers(mu)))


# --------------------------------------------------------------------------------------------
# Lévy flights: the same heavy tail on the jump lengths, whose second moment does not exist.


def levy_flight_sample_msd(mu, n_steps, sample_sizes, rng):
    """Sample mean of x^2 after n_steps symmetric Pareto(mu) jumps, for growing ensembles."""
    n = max(sample_sizes)
    jumps = (1.0 + rng.pareto(mu, (n, n_steps))) * rng.choice([-1.0, 1.0], size=(n, n_steps))
    x2 = jumps.sum(axis=1) ** 2
    return np.array([x2[:s].mean() for s in sample_sizes])
