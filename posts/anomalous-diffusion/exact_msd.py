"""Exact finite-time mean squared displacements of the post's walks, by numerical Laplace inversion.

Renewal theory gives the Laplace transforms in closed form; mpmath's Talbot inversion turns them
into numbers at any t. They serve the checks as the finite-time truth, so that a fitted exponent
can be compared with what the walk really does over the fitted window instead of with a fixed
band around its asymptote. Durations are Pareto with density e t_min^e / tau^(1 + e), tau >= t_min,
in units of t_min = 1; the Laplace transform of that density is e s^e Gamma(-e, s).
"""

from __future__ import annotations

import functools

import mpmath as mp
import numpy as np

_DPS = 30


def _pareto_laplace(s, e):
    """psi~(s) = e s^e Gamma(-e, s) and the transforms of tau psi and tau^2 psi (mpmath)."""
    return e * s**e * mp.gammainc(-e, s)


@functools.lru_cache(maxsize=None)
def _ctrw_number_of_jumps(t: float, beta: float) -> float:
    """<N(t)>, the renewal function of Pareto(beta) waits: L[<N>](s) = psi~ / (s (1 - psi~))."""
    with mp.workdps(_DPS):
        b = mp.mpf(beta)

        def transform(s):
            p = _pareto_laplace(s, b)
            return p / (s * (1 - p))

        return float(mp.invertlaplace(transform, t, method="talbot"))


def ctrw_msd_exact(t, beta, sigma=1.0):
    """<x^2(t)> = sigma^2 <N(t)> of a CTRW with Pareto(beta) waits (t_min = 1), at every t."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    return sigma**2 * np.array([_ctrw_number_of_jumps(float(ti), float(beta)) for ti in t])


def ctrw_jumps_exact(t, beta):
    """<N(t)>: the mean number of jumps by time t."""
    return ctrw_msd_exact(t, beta, 1.0)


@functools.lru_cache(maxsize=None)
def _levy_walk_msd(t: float, mu: float) -> float:
    """<x^2(t)> of a unit-speed Lévy walk with Pareto(mu) flights starting afresh at t = 0.

    With first flight tau: x^2 = t^2 if tau > t, else tau^2 + an independent walk of length
    t - tau, so M(t) = t^2 Psi(t) + int_0^t psi(tau) (tau^2 + M(t - tau)) dtau, Psi the survival.
    In Laplace space M~ = (L[t^2 Psi] + L[tau^2 psi] / s) / (1 - psi~), with
    L[tau^2 psi](s) = mu s^(mu - 2) Gamma(2 - mu, s) and
    L[t^2 Psi](s) = (2 - e^(-s)(s^2 + 2s + 2)) / s^3 + s^(mu - 3) Gamma(3 - mu, s).
    """
    with mp.workdps(_DPS):
        m = mp.mpf(mu)

        def transform(s):
            p = _pareto_laplace(s, m)
            second = m * s ** (m - 2) * mp.gammainc(2 - m, s)
            survival = (2 - mp.exp(-s) * (s**2 + 2 * s + 2)) / s**3 + s ** (m - 3) * mp.gammainc(3 - m, s)
            return (survival + second / s) / (1 - p)

        return float(mp.invertlaplace(transform, t, method="talbot"))


def levy_walk_msd_exact(t, mu, speed=1.0):
    t = np.atleast_1d(np.asarray(t, dtype=float))
    return speed**2 * np.array([_levy_walk_msd(float(ti), float(mu)) for ti in t])


@functools.lru_cache(maxsize=None)
def _ctrw_transform_inverse(t: float, beta: float, which: str) -> float:
    """Inverse Laplace transforms of the renewal process of Pareto(beta) waits at t:
    'N2' gives <N(t)^2> (transform psi~(1 + psi~) / (s (1 - psi~)^2)) and 'intN' gives
    int_0^t <N(u)> du (transform psi~ / (s^2 (1 - psi~)))."""
    with mp.workdps(_DPS):
        b = mp.mpf(beta)

        def transform(s):
            p = _pareto_laplace(s, b)
            if which == "N2":
                return p * (1 + p) / (s * (1 - p) ** 2)
            return p / (s**2 * (1 - p))

        return float(mp.invertlaplace(transform, t, method="talbot"))


def ctrw_jump_count_ergodicity(T, beta):
    """Var N(T) / <N(T)>^2 for Pareto(beta) waits, exactly, at time T."""
    n1 = _ctrw_number_of_jumps(float(T), float(beta))
    return _ctrw_transform_inverse(float(T), float(beta), "N2") / n1**2 - 1


def ctrw_tamsd_exact(delta, T, beta, sigma=1.0):
    """Ensemble mean of the time-averaged MSD, (1/(T - D)) int_0^(T - D) <(x(t + D) - x(t))^2> dt,
    exactly: for a CTRW the increment's mean square is sigma^2 (<N(t + D)> - <N(t)>), so the
    time average is sigma^2 (I(T) - I(D) - I(T - D)) / (T - D), I(u) = int_0^u <N>."""
    def I(u):
        return _ctrw_transform_inverse(float(u), float(beta), "intN")

    return sigma**2 * (I(T) - I(delta) - I(T - delta)) / (T - delta)
