"""Standard diffusion: Fick's laws, the diffusion equation, Einstein's and Langevin's pictures.

Every displayed equation of the post has a code counterpart here (``@equation``) and at least one
check against an independent oracle (``@check``). Simulations are vectorised over walkers and
seeded, so every number on the page is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, stats

from folio import Case, Estimate, check, equation


def rng_for(*params) -> np.random.Generator:
    """A generator seeded by the parameters of a simulation: deterministic, distinct per case."""
    words = np.frombuffer(np.asarray(params, dtype=np.float64).tobytes(), dtype=np.uint32)
    return np.random.default_rng(np.random.SeedSequence(words.tolist()))


# --------------------------------------------------------------------------------------------
# Fick's first law and the continuity equation on a periodic grid of cells.
# Cell i covers [i dx, (i + 1) dx); its value n[i] sits at the centre, and j[i] is the flux
# through its right face, at (i + 1) dx.


@equation("eq-fick-first")
def fick_flux(n, dx, D):
    """Flux through each cell's right face: j = -D dn/dx, by a centred difference."""
    return -D * (np.roll(n, -1) - n) / dx


@equation("eq-continuity")
def continuity_rate(j, dx):
    """Rate of change in each cell, from the flux in through its left face and out its right."""
    return -(j - np.roll(j, 1)) / dx


def explicit_diffusion(n0, dx, D, dt, n_steps):
    """March dn/dt = -dj/dx with j = -D dn/dx forward in time (explicit Euler).

    The scheme is stable only while D dt / dx^2 <= 1/2: beyond that the shortest wavelength on
    the grid grows instead of decaying.
    """
    r = D * dt / dx**2
    if r > 0.5:
        raise ValueError(f"unstable: D dt / dx^2 = {r:.3f} > 1/2")
    n = np.array(n0, dtype=float)
    for _ in range(n_steps):
        n = n + dt * continuity_rate(fick_flux(n, dx, D), dx)
    return n


def _spectral_derivative(f, dx, shift):
    """d/dx of periodic samples f, evaluated a distance ``shift`` to the right of each sample."""
    k = 2 * np.pi * np.fft.fftfreq(f.size, d=dx)
    F = np.fft.fft(f)
    if f.size % 2 == 0:
        F[f.size // 2] = 0.0  # the Nyquist mode has no well-defined derivative
    return np.real(np.fft.ifft(1j * k * np.exp(1j * k * shift) * F))


def _smooth_periodic_profiles(rng, count, M=1024):
    """Random positive trigonometric polynomials (modes 1..6) on [0, 2 pi), and their grid."""
    dx = 2 * np.pi / M
    x = (np.arange(M) + 0.5) * dx
    out = []
    for i in range(count):
        modes = np.arange(1, 7)
        a, b = rng.standard_normal((2, modes.size)) / modes
        n = 3.0 + (a[:, None] * np.cos(modes[:, None] * x) + b[:, None] * np.sin(modes[:, None] * x)).sum(0)
        out.append(Case.of(n, dx, rng.uniform(0.1, 5.0), name=f"random profile {i}"))
    bump = np.exp(-((x - np.pi) ** 2) / (2 * 0.4**2))
    out.append(Case.of(bump, dx, 1.0, name="Gaussian bump, width 0.4"))
    out.append(Case.of(np.full(M, 2.5), dx, 3.0, name="uniform profile: no flux"))
    return out


@check("eq-fick-first", kind="library",
       oracle="spectral (FFT) derivative of the same samples at the cell faces; 1024-cell grid, "
              "so the centred difference is good to O(Δx²)",
       rtol=2e-4, atol=1e-10, cases=lambda rng: _smooth_periodic_profiles(rng, 5))
def fick_flux_spectral(n, dx, D):
    return -D * _spectral_derivative(n, dx, dx / 2)


@check("eq-continuity", kind="library",
       oracle="spectral (FFT) derivative of the flux at the cell centres; 1024-cell grid",
       rtol=2e-4, atol=1e-10,
       cases=lambda rng: [Case.of(c.args[0] - 3.0, c.args[1], name=c.name.replace("profile", "flux"))
                          for c in _smooth_periodic_profiles(rng, 5)])
def continuity_spectral(j, dx):
    return -_spectral_derivative(j, dx, -dx / 2)


def _box_cases(rng):
    cases = []
    for i in range(5):
        M = int(rng.integers(50, 400))
        a, b = sorted(rng.choice(M, size=2, replace=False))
        cases.append(Case.of(rng.standard_normal(M), rng.uniform(0.01, 1.0), int(a), int(b),
                             name=f"rough flux, window [{a}, {b}) of {M}"))
    cases.append(Case.of(rng.standard_normal(200), 0.1, 0, 200, name="whole periodic domain"))
    return cases


@check("eq-continuity", kind="property",
       oracle="particle balance of a box of cells: d/dt (particles inside) = flux in − flux out",
       relation=True, rtol=1e-12, atol=1e-12, cases=_box_cases)
def continuity_box_balance(rate, j, dx, a, b):
    inside = rate(j, dx)[a:b].sum() * dx
    flux_in, flux_out = j[a - 1], j[b - 1]  # faces a - 1/2 and b - 1/2 (periodic)
    return inside, flux_in - flux_out


# --------------------------------------------------------------------------------------------
# The diffusion equation and its Gaussian solution.


@equation("eq-diffusion")
def gaussian_solution(x, t, D, N=1.0):
    """n(x, t) = N (4 pi D t)^(-1/2) exp(-x^2 / (4 D t)): N particles released at x = 0, t = 0."""
    return N / np.sqrt(4 * np.pi * D * t) * np.exp(-(x**2) / (4 * D * t))


def _pde_cases(rng):
    cases = []
    for i in range(5):
        D, t = rng.uniform(0.1, 10.0), 10 ** rng.uniform(-2, 2)
        s = np.sqrt(2 * D * t)
        cases.append(Case.of(np.linspace(-5 * s, 5 * s, 41), t, D, rng.uniform(0.5, 100.0),
                             name=f"D = {D:.2f}, t = {t:.3g}"))
    cases.append(Case.of(np.zeros(1), 1.0, 1.0, 1.0, name="the peak, x = 0"))
    cases.append(Case.of(np.linspace(3.0, 6.0, 13) * np.sqrt(2e-6), 1e-6, 1.0, 1.0,
                         name="far tail at a tiny time, t = 1e-6"))
    return cases


@check("eq-diffusion", kind="finite-differences",
       oracle="PDE residual: ∂n/∂t and D ∂²n/∂x² by central finite differences (h_t = 1e-4 t, "
              "h_x = 1e-3 √(2Dt)) agree",
       relation=True, rtol=1e-5, cases=_pde_cases)
def diffusion_residual(n, x, t, D, N):
    ht, hx = 1e-4 * t, 1e-3 * np.sqrt(2 * D * t)
    dn_dt = (n(x, t + ht, D, N) - n(x, t - ht, D, N)) / (2 * ht)
    d2n_dx2 = (n(x + hx, t, D, N) - 2 * n(x, t, D, N) + n(x - hx, t, D, N)) / hx**2
    return dn_dt, D * d2n_dx2


@check("eq-diffusion", kind="simulation",
       oracle="explicit finite-difference solver built from Fick's law and continuity, started "
              "from the Gaussian at t₀ and run to 4t₀ on a grid of Δx = σ(t₀)/20",
       relation=True, rtol=5e-4,
       cases=[Case.of(0.5, 0.4, name="D = 0.5, DΔt/Δx² = 0.4"),
              Case.of(1.0, 0.25, name="D = 1, DΔt/Δx² = 0.25"),
              Case.of(3.0, 0.5, name="D = 3, at the stability limit DΔt/Δx² = 1/2")])
def diffusion_vs_solver(n, D, r):
    t0, t1 = 1.0, 4.0
    s0, s1 = np.sqrt(2 * D * t0), np.sqrt(2 * D * t1)
    dx = s0 / 20
    M = int(round(24 * s1 / dx))
    x = (np.arange(M) - M / 2 + 0.5) * dx
    dt = r * dx**2 / D
    steps = int(round((t1 - t0) / dt))
    dt = (t1 - t0) / steps  # land exactly on t1 (lowers r slightly)
    return n(x, t1, D), explicit_diffusion(n(x, t0, D), dx, D, dt, steps)


@check("eq-diffusion", kind="property",
       oracle="total number of particles ∫ n dx by adaptive quadrature (scipy.integrate.quad) "
              "equals N at every time",
       relation=True, rtol=1e-9,
       cases=[Case.of(1.0, 2.0, name="N = 1, D = 2"), Case.of(250.0, 0.01, name="N = 250, D = 0.01")])
def diffusion_mass(n, N, D):
    times = np.array([1e-4, 1e-2, 1.0, 10.0, 1e3])
    mass = []
    for t in times:
        s = np.sqrt(2 * D * t)
        val, _ = integrate.quad(lambda x: n(x, t, D, N), -40 * s, 40 * s, points=[0.0], limit=200)
        mass.append(val)
    return np.array(mass), np.full(times.size, N)


# --------------------------------------------------------------------------------------------
# Einstein: mean squared displacement of a random walk.


@equation("eq-einstein-expansion")
def einstein_rate(n_x, n_xx, mean_jump, mean_sq_jump, tau):
    """dn/dt from Einstein's expansion of n(x, t + tau) = int n(x - Delta, t) phi(Delta) dDelta:
    (-<Delta> dn/dx + <Delta^2>/2 d2n/dx2) / tau, to second order in the jump."""
    return (-mean_jump * n_x + 0.5 * mean_sq_jump * n_xx) / tau


def _expansion_cases(rng):
    cases = []
    for i in range(4):
        mu, width = rng.normal(), rng.uniform(0.5, 3.0)
        half = 1e-3 * width * rng.uniform(0.5, 2.0)           # jumps uniform on b ± half
        shift = half * rng.uniform(-0.5, 0.5)
        x = mu + width * np.array([-2.5, -1.7, -0.6, 0.0, 0.9, 2.2, 3.1])
        cases.append(Case.of(x, mu, width, shift, half, 10 ** rng.uniform(-3, 1),
                             name=f"jumps uniform on {shift:.2g} ± {half:.2g}, profile width {width:.2f}"))
    cases.append(Case.of(np.linspace(-3, 3, 9), 0.0, 1.0, 0.0, 2e-3, 1.0,
                         name="symmetric jumps: drift term zero"))
    return cases


@check("eq-einstein-expansion", kind="definition",
       oracle="Einstein's integral itself: [∫ n(x − Δ) φ(Δ) dΔ − n(x)] / τ by adaptive quadrature "
              "(scipy.integrate.quad), for a Gaussian profile and jumps uniform on [b − a, b + a] "
              "with a = 10⁻³ of the profile's width; the neglected higher-order terms are ~10⁻⁶ of the rate",
       relation=True, rtol=1e-4, cases=_expansion_cases)
def einstein_expansion_by_quadrature(rate, x, mu, width, shift, half, tau):
    def n(y):
        return np.exp(-0.5 * ((y - mu) / width) ** 2) / (width * np.sqrt(2 * np.pi))

    z = (x - mu) / width
    n_x = -z / width * n(x)
    n_xx = (z**2 - 1) / width**2 * n(x)
    mean, mean_sq = shift, shift**2 + half**2 / 3
    lo, hi = shift - half, shift + half
    conv = np.array([integrate.quad(lambda d: n(xi - d), lo, hi, epsabs=0, epsrel=1e-13)[0]
                     / (2 * half) for xi in x])
    return rate(n_x, n_xx, mean, mean_sq, tau), (conv - n(x)) / tau


@equation("eq-msd-einstein")
def msd_einstein(t, D, d=1):
    """<|x|^2> = 2 d D t for free diffusion in d dimensions."""
    return 2 * d * D * np.asarray(t, dtype=float)


def random_walk(D, d, dt, record_steps, n_walkers, rng, steps="gauss"):
    """Positions (len(record_steps), n_walkers, d) of walkers started at the origin.

    Each coordinate takes independent steps of variance 2 D dt: Gaussian, or (``steps="coin"``)
    a fair coin flip of +-sqrt(2 D dt).
    """
    record = {int(s): i for i, s in enumerate(record_steps)}
    out = np.zeros((len(record_steps), n_walkers, d))
    x = np.zeros((n_walkers, d))
    scale = np.sqrt(2 * D * dt)
    if 0 in record:
        out[record[0]] = x
    for step in range(1, max(record) + 1):
        if steps == "gauss":
            x += scale * rng.standard_normal((n_walkers, d))
        else:
            x += scale * (2.0 * rng.integers(0, 2, size=(n_walkers, d)) - 1.0)
        if step in record:
            out[record[step]] = x
    return out


def _diffusion_solver_moment(t, D, d, cells_per_sigma=4, r_max=0.45):
    """<|x|^2>(t) of the density that Fick's law and continuity evolve from a point source.

    The explicit flux-form scheme of this post, in d dimensions: one cell holds all the particles
    at t = 0, and every axis gets the flux j = -D dn/dx_k through each face and the continuity
    update. The second moment is read off the grid density; D enters only as Fick's coefficient.
    """
    t = np.asarray(t, dtype=float)
    sigma = np.sqrt(2 * D * t[-1])
    dx = sigma / cells_per_sigma
    half = int(np.ceil(7 * cells_per_sigma))          # ±7 σ per axis: no mass reaches the edge
    x = (np.arange(2 * half + 1) - half) * dx
    # Time steps: the times are whole multiples of the smallest one; split it so that
    # D dt / dx² ≤ r_max / d (the stability limit in d dimensions is 1 / (2d)).
    base = np.min(t[t > 0])
    sub = int(np.ceil(D * base / dx**2 / (r_max / d)))
    dt = base / sub
    n = np.zeros((x.size,) * d)
    n[(half,) * d] = 1.0 / dx**d
    r2 = sum(np.meshgrid(*([x**2] * d), indexing="ij", sparse=True)) if d > 1 else x**2
    out, done = [], 0
    for target in np.round(t / dt).astype(int):
        for _ in range(target - done):
            rate = np.zeros_like(n)
            for k in range(d):
                j = -D * (np.roll(n, -1, axis=k) - n) / dx           # Fick, face k + 1/2
                rate -= (j - np.roll(j, 1, axis=k)) / dx             # continuity
            n = n + dt * rate
        done = target
        out.append((n * r2).sum() / n.sum())
    return np.array(out)


def _einstein_cases(rng):
    cases = []
    for d in (1, 2, 3):
        D = rng.uniform(0.1, 5.0)
        t = np.array([0, 1, 2, 5, 10, 20]) * rng.uniform(0.02, 0.2)
        cases.append(Case.of(t, D, d, name=f"d = {d}, D = {D:.2f}"))
    cases.append(Case.of(np.array([1e-3, 1e-2, 1e-1]), 1e-9, 1, name="small molecule, SI units"))
    return cases


@check("eq-msd-einstein", kind="simulation",
       oracle="second moment of the density n(x, t) that the explicit Fick-plus-continuity solver "
              "evolves from a point source, in d = 1, 2, 3 (4 cells per final σ, grid ±7σ); D "
              "enters only as Fick's coefficient",
       rtol=1e-9, cases=_einstein_cases)
def einstein_from_diffusion_solver(t, D, d):
    return _diffusion_solver_moment(t, D, d)


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


# --------------------------------------------------------------------------------------------
# The random-walk derivation: binomial law and its Gaussian limit.


@equation("eq-random-walk-binomial")
def walk_pmf(n):
    """Positions 2k - n and their probabilities C(n, k) / 2^n after n fair +-1 steps."""
    k = np.arange(n + 1)
    # Python's int / int is correctly rounded, so even C(1000, 500) / 2**1000 is exact to 1 ulp.
    probs = np.array([math.comb(n, int(i)) / 2**n for i in k])
    return 2 * k - n, probs


@check("eq-random-walk-binomial", kind="definition",
       oracle="the master equation P_{n+1}(x) = ½P_n(x − 1) + ½P_n(x + 1), iterated from "
              "P_0 = δ_{x,0} by numpy.convolve",
       rtol=1e-12, cases=[0, 1, 2, 7, 50, 333, 500])
def walk_master_equation(n):
    p = np.array([1.0])
    for _ in range(n):
        p = np.convolve(p, [0.5, 0.0, 0.5])
    positions = np.arange(-n, n + 1)
    return positions[::2], p[::2]  # odd offsets from n are never occupied


def kolmogorov_distance(positions, probs, var):
    """sup_x |F(x) - Phi(x / sqrt(var))| for a lattice law, checking both sides of every jump."""
    Phi = stats.norm.cdf(positions, scale=np.sqrt(var))
    F = np.cumsum(probs)
    return max(np.max(np.abs(F - Phi)), np.max(np.abs(F - probs - Phi)))


def lattice_tv_distance(positions, probs, var, mean=0.0, spacing=2.0):
    """Total variation between a lattice law and the normal density sampled on its lattice."""
    q = spacing * stats.norm.pdf(positions, loc=mean, scale=np.sqrt(var))
    return 0.5 * np.abs(probs - q).sum()


_RATE_NS = np.array([64, 256, 1024, 4096])


@check("eq-random-walk-binomial", kind="property",
       oracle="de Moivre–Laplace, Berry–Esseen rate: the Kolmogorov distance to the normal CDF "
              "(variance n) falls like n^(−1/2), with √n·d → 1/√(2π); n = 64 … 4096",
       relation=True, atol=5e-3, cases=[Case.of(_RATE_NS, name="n = 64, 256, 1024, 4096")])
def walk_kolmogorov_rate(pmf, ns):
    d = np.array([kolmogorov_distance(*pmf(int(n)), var=n) for n in ns])
    slope = np.polyfit(np.log(ns), np.log(d), 1)[0]
    return (slope, np.sqrt(ns[-1]) * d[-1]), (-0.5, 1 / np.sqrt(2 * np.pi))


@check("eq-random-walk-binomial", kind="property",
       oracle="de Moivre–Laplace for the fair walk: the total-variation distance to the lattice-"
              "sampled normal density falls like n^(−1) (zero skewness); n = 64 … 4096",
       relation=True, atol=0.02, cases=[Case.of(_RATE_NS, name="n = 64, 256, 1024, 4096")])
def walk_tv_rate(pmf, ns):
    tv = np.array([lattice_tv_distance(*pmf(int(n)), var=n) for n in ns])
    return np.polyfit(np.log(ns), np.log(tv), 1)[0], -1.0
