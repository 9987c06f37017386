"""Standard diffusion, the Langevin part: Newton's law with Stokes drag and thermal noise, the
equipartition of energy, the mean squared displacement from ballistic to diffusive, and the
Stokes-Einstein relation.

As in standard_diffusion.py (Fick's laws, the diffusion equation, Einstein's random walk and
the binomial derivation), every displayed equation here has a code counterpart
(``@equation``) and at least one check against an independent oracle (``@check``).
"""

from __future__ import annotations

import math

import numpy as np

from folio import Case, Estimate, check, equation
from standard_diffusion import rng_for


# --------------------------------------------------------------------------------------------
# Langevin: Newton's law with Stokes drag and thermal noise.


def stokes_drag(eta, r):
    """Stokes' friction coefficient of a sphere of radius r in a fluid of viscosity eta."""
    return 6 * np.pi * eta * r


@equation("eq-langevin", equivalent={
    "add-sub#3": "z is standard normal noise and -z has the same distribution, so the mutant "
                 "simulates a process with the same law (it is the same equation)"})
def langevin_step(x, v, dt, m, gamma, kT, z):
    """One Euler–Maruyama step of m dv = -gamma v dt + sqrt(2 gamma kT) dW, dx = v dt.

    z holds standard normal numbers; the noise increment over dt then has variance
    2 gamma kT dt, the strength fixed by the fluctuation–dissipation relation.
    """
    x_new = x + v * dt
    v_new = v + (-gamma * v * dt + np.sqrt(2 * gamma * kT * dt) * z) / m
    return x_new, v_new


def simulate_langevin(m, gamma, kT, dt, record_steps, n_walkers, rng, v0=0.0, burn_in=0):
    """Positions and velocities of n_walkers independent Langevin particles at record_steps.

    Every walker starts at x = 0 with velocity v0. With burn_in > 0 the velocities are first
    thermalised by that many steps of the dynamics itself, and the position is then reset to 0.
    """
    x = np.zeros(n_walkers)
    v = np.full(n_walkers, float(v0))
    for _ in range(burn_in):
        x, v = langevin_step(x, v, dt, m, gamma, kT, rng.standard_normal(n_walkers))
    x[:] = 0.0
    record = {int(s): i for i, s in enumerate(record_steps)}
    xs = np.zeros((len(record_steps), n_walkers))
    vs = np.zeros((len(record_steps), n_walkers))
    if 0 in record:
        xs[record[0]], vs[record[0]] = x, v
    for step in range(1, max(record) + 1):
        x, v = langevin_step(x, v, dt, m, gamma, kT, rng.standard_normal(n_walkers))
        if step in record:
            xs[record[step]], vs[record[step]] = x, v
    return xs, vs


# A 1 µm-radius sphere of density 1000 kg/m^3 in water at 25 °C, in SI units.
BEAD = dict(m=4 / 3 * np.pi * (1e-6) ** 3 * 1000.0, eta=0.89e-3, r=1e-6, kT=1.380649e-23 * 298.15)


def _langevin_cases(rng, count=2):
    cases = []
    for i in range(count):
        m, gamma, kT = 10 ** rng.uniform(-1, 1, size=3)
        cases.append(Case.of(m, gamma, kT, name=f"m = {m:.2f}, γ = {gamma:.2f}, kT = {kT:.2f}"))
    g = stokes_drag(BEAD["eta"], BEAD["r"])
    cases.append(Case.of(BEAD["m"], g, BEAD["kT"], name="1 µm bead in water, SI units"))
    return cases


@check("eq-langevin", kind="special-case",
       oracle="exact Ornstein–Uhlenbeck solution from v(0) = v₀, x(0) = 0: mean v₀e^(−t/τ) and "
              "variance (kT/m)(1 − e^(−2t/τ)) of v; mean v₀τ(1 − e^(−t/τ)) and variance "
              "Dτ(2t/τ − 3 + 4e^(−t/τ) − e^(−2t/τ)) of x; v Gaussian, so a fraction "
              "erf(1/√2) = 0.683 of walkers lies within one exact standard deviation of the exact "
              "mean; vs 20 000 simulated walkers (Δt = τ/200, odd step counts)",
       relation=True, cases=_langevin_cases)
def langevin_vs_ou(step, m, gamma, kT):
    tau, n_walkers = m / gamma, 20_000
    dt = tau / 200
    rec = np.array([51, 101, 201, 401, 801])
    v0 = 2.5 * np.sqrt(kT / m)
    rng, v = rng_for(m, gamma, kT, 1.0), np.full(n_walkers, v0)
    x = np.zeros(n_walkers)
    t = rec * dt
    e1, e2, D = np.exp(-t / tau), np.exp(-2 * t / tau), kT / gamma
    v_mean, v_sd = v0 * e1, np.sqrt(kT / m * (1 - e2))
    inside = math.erf(1 / math.sqrt(2))
    got, se = [], []
    for k in range(1, rec[-1] + 1):
        x, v = step(x, v, dt, m, gamma, kT, rng.standard_normal(n_walkers))
        if k in rec:
            i = int(np.searchsorted(rec, k))
            for q in (v, x):
                dq = q - q.mean()
                got += [q.mean(), np.mean(dq**2)]
                se += [q.std(ddof=1) / np.sqrt(n_walkers), np.std(dq**2, ddof=1) / np.sqrt(n_walkers)]
            got.append(np.mean(np.abs(v - v_mean[i]) < v_sd[i]))
            se.append(np.sqrt(inside * (1 - inside) / n_walkers))
    exact = np.stack([v0 * e1, kT / m * (1 - e2), v0 * tau * (1 - e1),
                      D * tau * (2 * t / tau - 3 + 4 * e1 - e2), np.full(t.size, inside)], axis=1)
    return np.array(got), Estimate(exact.ravel(), np.array(se))


@equation("eq-equipartition")
def thermal_velocity_variance(m, kT):
    """<v^2> from (1/2) m <v^2> = (1/2) k_B T."""
    return kT / m


@check("eq-equipartition", kind="simulation",
       oracle="stationary ⟨v²⟩ of the simulated Langevin equation: 10 000 walkers started at rest, "
              "5τ burn-in, each walker's v² averaged over the next 10τ (Δt = τ/100)",
       relation=True, cases=_langevin_cases)
def equipartition_from_langevin(v2, m, gamma, kT):
    tau, n_walkers = m / gamma, 10_000
    dt = tau / 100
    _, vs = simulate_langevin(m, gamma, kT, dt, np.arange(1, 1001), n_walkers,
                              rng_for(m, gamma, kT, 2.0), v0=0.0, burn_in=500)
    per_walker = (vs**2).mean(axis=0)  # walkers are independent; their time averages are too
    return v2(m, kT), Estimate(per_walker.mean(), per_walker.std(ddof=1) / np.sqrt(n_walkers))


@equation("eq-langevin-msd")
def langevin_msd(t, m, gamma, kT):
    """<x^2(t)> = 2 D [t - tau (1 - exp(-t / tau))], tau = m / gamma, D = kT / gamma."""
    tau, D = m / gamma, kT / gamma
    t = np.asarray(t, dtype=float)
    return 2 * D * (t + tau * np.expm1(-t / tau))  # expm1 keeps the t << tau limit accurate


# Recorded steps of Δt = τ/100: t/τ = 0.05 ... 20.
_MSD_STEPS = np.array([5, 10, 20, 50, 100, 200, 500, 1000, 2000])


@check("eq-langevin-msd", kind="simulation",
       oracle="Euler–Maruyama simulation of the Langevin equation: 10 000 walkers thermalised "
              "for 8τ, Δt = τ/100, t from 0.05τ to 20τ",
       relation=True, cases=_langevin_cases)
def langevin_msd_simulated(msd, m, gamma, kT):
    tau, n_walkers = m / gamma, 10_000
    dt = tau / 100
    xs, _ = simulate_langevin(m, gamma, kT, dt, _MSD_STEPS, n_walkers, rng_for(m, gamma, kT, 3.0),
                              burn_in=800)
    x2 = xs**2
    return (msd(_MSD_STEPS * dt, m, gamma, kT),
            Estimate(x2.mean(axis=1), x2.std(axis=1, ddof=1) / np.sqrt(n_walkers)))


_LIMIT_CASES = [Case.of(1.0, 1.0, 1.0, name="m = γ = kT = 1"),
                Case.of(3.0, 0.2, 5.0, name="m = 3, γ = 0.2, kT = 5"),
                Case.of(BEAD["m"], stokes_drag(BEAD["eta"], BEAD["r"]), BEAD["kT"],
                        name="1 µm bead in water, SI units")]


@check("eq-langevin-msd", kind="special-case", oracle="ballistic limit (kT/m) t² for t = 1e-8τ … 1e-4τ",
       rtol=1e-4, cases=[Case.of(np.logspace(-8, -4, 9) * c.args[0] / c.args[1], *c.args, name=c.name)
                         for c in _LIMIT_CASES])
def langevin_ballistic_limit(t, m, gamma, kT):
    return kT / m * t**2


@check("eq-langevin-msd", kind="special-case", oracle="diffusive limit 2D(t − τ) for t = 50τ … 1e6τ",
       rtol=1e-12, cases=[Case.of(np.logspace(np.log10(50), 6, 9) * c.args[0] / c.args[1], *c.args,
                                  name=c.name) for c in _LIMIT_CASES])
def langevin_diffusive_limit(t, m, gamma, kT):
    return 2 * kT / gamma * (t - m / gamma)


@equation("eq-stokes-einstein")
def stokes_einstein(kT, eta, r):
    """D = k_B T / (6 pi eta r)."""
    return kT / (6 * np.pi * eta * r)


def _stokes_cases(rng):
    b = BEAD
    return [Case.of(b["kT"], b["eta"], b["r"], b["m"], name="1 µm bead in water, SI units"),
            Case.of(b["kT"], b["eta"], b["r"], 8 * b["m"], name="same bead, eight times heavier"),
            Case.of(b["kT"], 2 * b["eta"], 0.3e-6, b["m"] * 0.027, name="0.3 µm bead, viscosity 2η"),
            Case.of(1.0, 0.05, 1.0, 1.0, name="reduced units: kT = r = m = 1, η = 0.05")]


def _sphere_flow(X, a, U, eta):
    """Stokes' (1851) flow past a sphere of radius a translating at U along x, in fluid at rest:
    velocity (3, n) and pressure (n,) at points X (3, n)."""
    r = np.linalg.norm(X, axis=0)
    Ux = U * X[0]
    Uvec = np.array([U, 0.0, 0.0])[:, None]
    u = 0.75 * a * (Uvec / r + Ux * X / r**3) + 0.25 * a**3 * (Uvec / r**3 - 3 * Ux * X / r**5)
    return u, 1.5 * eta * a * Ux / r**3


def drag_coefficient_by_traction(eta, a, nodes=24):
    """gamma = F / U from the traction -p n + eta (grad u + grad u^T) n of Stokes' sphere flow,
    integrated over the sphere: central differences for grad u, Gauss–Legendre in cos(theta)
    times the trapezoid rule in phi. Nothing here assumes the answer 6 pi eta a."""
    U = 1.0
    mu, w_mu = np.polynomial.legendre.leggauss(nodes)
    phi = np.linspace(0, 2 * np.pi, 2 * nodes, endpoint=False)
    MU, PHI = np.meshgrid(mu, phi, indexing="ij")
    sin = np.sqrt(1 - MU**2)
    n = np.stack([MU.ravel(), (sin * np.cos(PHI)).ravel(), (sin * np.sin(PHI)).ravel()])
    X, h = a * n, 1e-5 * a
    grad = np.empty((3, 3, X.shape[1]))
    for k in range(3):
        e = np.zeros((3, 1))
        e[k] = h
        grad[:, k] = (_sphere_flow(X + e, a, U, eta)[0] - _sphere_flow(X - e, a, U, eta)[0]) / (2 * h)
    p = _sphere_flow(X, a, U, eta)[1]
    traction = -p * n + eta * np.einsum("ijn,jn->in", grad + grad.transpose(1, 0, 2), n)
    weights = np.outer(w_mu, np.full(phi.size, 2 * np.pi / phi.size)).ravel() * a**2
    return -(traction @ weights)[0] / U      # the fluid's force opposes the motion


@check("eq-stokes-einstein", kind="simulation",
       oracle="long-time MSD slope of the Langevin simulation, per walker "
              "[x²(40τ) − x²(10τ)] / (60τ), 10 000 walkers, Δt = τ/50, with the friction γ "
              "computed independently: the traction of Stokes' sphere flow integrated over the "
              "sphere (finite differences, 24 × 48 Gauss–Legendre × trapezoid nodes)",
       relation=True, cases=_stokes_cases)
def stokes_einstein_from_slope(D, kT, eta, r, m):
    gamma = drag_coefficient_by_traction(eta, r)
    tau, n_walkers = m / gamma, 10_000
    dt = tau / 50
    xs, _ = simulate_langevin(m, gamma, kT, dt, np.array([500, 2000]), n_walkers,
                              rng_for(kT, eta, r, m), burn_in=400)
    slope = (xs[1] ** 2 - xs[0] ** 2) / (2 * (30 * tau))
    return D(kT, eta, r), Estimate(slope.mean(), slope.std(ddof=1) / np.sqrt(n_walkers))
