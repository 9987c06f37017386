"""Standard diffusion: Fick's laws, the diffusion equation, Einstein's random walk and the
binomial derivation (Langevin's picture is in standard_langevin.py).

Every displayed equation of these parts has a code counterpart here (``@equation``) and at least
one check against an independent oracle (``@check``). Simulations are vectorised over walkers
and seeded, so every number on the page is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, stats

from folio import Case, check, equation


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
