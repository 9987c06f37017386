"""Code counterparts and checks for the fluid-mechanics half of "Life at Low Reynolds Number"
(the drag on a sphere and the Péclet number are in lowre_drag.py).

A flow is a callable ``flow(X, t, xp) -> (u, p)``: ``X`` holds points as columns (shape (d, n)),
``t`` the times (shape (n,)), ``xp`` is the array module (``numpy`` or ``torch``), ``u`` the
velocity (d, n) and ``p`` the pressure (n,). Writing flows against ``xp`` lets the same formula be
differentiated two independent ways: by central finite differences (used by the counterparts, as a
reader would do it numerically) and by torch autograd (used by the oracles, exact to rounding).
"""

import numpy as np
from scipy.linalg import null_space

from folio import Case, Estimate, check, equation


# ---------------------------------------------------------------------------------------------
# Test flows


class TaylorGreen:
    """The decaying Taylor–Green vortex: an exact solution of the 2-D Navier–Stokes equations.

    u = U0 sin(kx) cos(ky) F,  v = -U0 cos(kx) sin(ky) F,  p = (rho U0^2 / 4)(cos 2kx + cos 2ky) F^2,
    with F = exp(-2 nu k^2 t).
    """

    def __init__(self, U0=1.0, k=1.0, rho=1.0, nu=0.1):
        self.U0, self.k, self.rho, self.nu = U0, k, rho, nu

    def __call__(self, X, t, xp):
        x, y = X[0], X[1]
        k = self.k
        F = xp.exp(-2 * self.nu * k**2 * t)
        u = self.U0 * xp.sin(k * x) * xp.cos(k * y) * F
        v = -self.U0 * xp.cos(k * x) * xp.sin(k * y) * F
        p = self.rho * self.U0**2 / 4 * (xp.cos(2 * k * x) + xp.cos(2 * k * y)) * F**2
        return xp.stack([u, v]), p


class Perturbed:
    """A flow plus a small travelling-wave disturbance that solves nothing."""

    def __init__(self, base, eps, k=1.0, omega=1.0):
        self.base, self.eps, self.k, self.omega = base, eps, k, omega

    def __call__(self, X, t, xp):
        u, p = self.base(X, t, xp)
        x, y = X[0], X[1]
        k, w, e = self.k, self.omega, self.eps
        du = e * xp.sin(k * (x + 2 * y) - w * t)
        dv = e * xp.cos(k * (2 * x - y) + w * t)
        return u + xp.stack([du, dv]), p


class Stokeslet:
    """The flow of a point force f at the origin in unbounded Stokes flow (the Oseen tensor).

    u = (f / r + (f.x) x / r^3) / (8 pi eta),  p = (f.x) / (4 pi r^3).
    """

    def __init__(self, f, eta=1.0, pressure_factor=1.0):
        self.f, self.eta, self.pressure_factor = np.asarray(f, float), eta, pressure_factor

    def __call__(self, X, t, xp):
        f = [float(c) for c in self.f]
        r = xp.sqrt(X[0] ** 2 + X[1] ** 2 + X[2] ** 2)
        fx = f[0] * X[0] + f[1] * X[1] + f[2] * X[2]
        u = xp.stack([(f[i] / r + fx * X[i] / r**3) / (8 * np.pi * self.eta) for i in range(3)])
        p = self.pressure_factor * fx / (4 * np.pi * r**3)
        return u, p


class TranslatingSphere:
    """Stokes' (1851) flow around a sphere of radius a moving with velocity U through fluid at rest.

    u = (3a/4)(U/r + (U.x) x/r^3) + (a^3/4)(U/r^3 - 3 (U.x) x/r^5),  p = (3 eta a / 2)(U.x)/r^3.
    On the surface r = a this gives u = U: the no-slip condition.
    """

    def __init__(self, a, U, eta):
        self.a, self.U, self.eta = a, np.asarray(U, float), eta

    def __call__(self, X, t, xp):
        a, U = self.a, [float(c) for c in self.U]
        r = xp.sqrt(X[0] ** 2 + X[1] ** 2 + X[2] ** 2)
        Ux = U[0] * X[0] + U[1] * X[1] + U[2] * X[2]
        u = xp.stack([0.75 * a * (U[i] / r + Ux * X[i] / r**3)
                      + 0.25 * a**3 * (U[i] / r**3 - 3 * Ux * X[i] / r**5) for i in range(3)])
        p = 1.5 * self.eta * a * Ux / r**3
        return u, p


class Dimensionless:
    """The same flow in the starred variables of the scalings: u* = u/U, p* = pL/(eta U),
    evaluated at x = L x*, t = t* L / U. Keeps its dimensional source for the oracle."""

    def __init__(self, flow, U, L, rho, eta):
        self.flow, self.U, self.L, self.rho, self.eta = flow, U, L, rho, eta

    def __call__(self, Xs, ts, xp):
        u, p = self.flow(self.L * Xs, ts * self.L / self.U, xp)
        return u / self.U, p * self.L / (self.eta * self.U)


# ---------------------------------------------------------------------------------------------
# Derivatives two ways


def fd_derivatives(flow, X, t, h, ht=None):
    """Fourth-order central differences (step h in space, ht in time, default h): u, p, du/dt,
    grad u, laplacian u, grad p. grad u[i, j] = d u_i / d x_j.

    First derivatives use (-f(+2h) + 8f(+h) - 8f(-h) + f(-2h)) / 12h and second derivatives
    (-f(+2h) + 16f(+h) - 30f(0) + 16f(-h) - f(-2h)) / 12h^2: truncation O(h^4), rounding
    O(eps/h) and O(eps/h^2).
    """
    X, t = np.asarray(X, float), np.asarray(t, float)
    d = X.shape[0]
    u, p = flow(X, t, np)
    # Time derivative of the velocity.
    ht = h if ht is None else ht
    ut = [flow(X, t + s * ht, np)[0] for s in (2, 1, -1, -2)]
    dudt = (-ut[0] + 8 * ut[1] - 8 * ut[2] + ut[3]) / (12 * ht)
    grad_u = np.empty((d, d) + X.shape[1:])
    lap_u = np.zeros_like(u)
    grad_p = np.empty_like(u)
    for j in range(d):
        e = np.zeros((d, 1))
        e[j] = h
        (u2, p2), (u1, p1), (um1, pm1), (um2, pm2) = (flow(X + s * e, t, np) for s in (2, 1, -1, -2))
        grad_u[:, j] = (-u2 + 8 * u1 - 8 * um1 + um2) / (12 * h)
        lap_u += (-u2 + 16 * u1 - 30 * u + 16 * um1 - um2) / (12 * h**2)
        grad_p[j] = (-p2 + 8 * p1 - 8 * pm1 + pm2) / (12 * h)
    return u, p, dudt, grad_u, lap_u, grad_p


def autograd_derivatives(flow, X, t):
    """The same six quantities with exact derivatives from torch autograd (float64)."""
    import torch  # only the checks need it; importing it lazily keeps the post's cells quick

    X = torch.tensor(np.asarray(X, float), requires_grad=True)
    t = torch.tensor(np.asarray(t, float), requires_grad=True)
    u, p = flow(X, t, torch)
    d = X.shape[0]
    # Each point's outputs depend only on that point's inputs, so the gradient of a sum over
    # points is the pointwise gradient.
    grads = [torch.autograd.grad(u[i].sum(), (X, t), create_graph=True, allow_unused=True)
             for i in range(d)]
    grad_u = torch.stack([g[0] for g in grads])  # [i, j, n] = du_i/dx_j
    # A steady flow does not use t at all: its time derivative is zero.
    dudt = torch.stack([torch.zeros_like(t) if g[1] is None else g[1] for g in grads])
    lap_u = torch.stack([
        sum(torch.autograd.grad(grad_u[i, j].sum(), X, retain_graph=True)[0][j] for j in range(d))
        for i in range(d)])
    grad_p = torch.autograd.grad(p.sum(), X)[0]
    out = (u, p, dudt, grad_u, lap_u, grad_p)
    return tuple(q.detach().numpy() for q in out)


def convective(u, grad_u):
    """(u . grad) u, component i = sum_j u_j du_i/dx_j."""
    return np.einsum("jn,ijn->in", u, grad_u)


# ---------------------------------------------------------------------------------------------
# Navier–Stokes


@equation("eq-navier-stokes")
def navier_stokes_residual(flow, X, t, rho, nu, h=1e-3):
    """du/dt + (u.grad)u + grad p / rho - nu lap u (rows 0..d-1) and div u (row d), by central
    differences. Zero wherever the flow solves incompressible Navier–Stokes."""
    u, p, dudt, grad_u, lap_u, grad_p = fd_derivatives(flow, X, t, h)
    momentum = dudt + convective(u, grad_u) + grad_p / rho - nu * lap_u
    divergence = np.trace(grad_u)
    return np.vstack([momentum, divergence])


def _ns_points(rng, n=40):
    return rng.uniform(-np.pi, np.pi, (2, n)), rng.uniform(0, 2, n)


def _taylor_green_cases(rng):
    cases = []
    for i in range(5):
        tg = TaylorGreen(U0=rng.uniform(0.5, 2), k=rng.uniform(0.5, 2), rho=rng.uniform(0.5, 2),
                         nu=rng.uniform(0.01, 1))
        cases.append(Case.of(tg, *_ns_points(rng), tg.rho, tg.nu, name=f"Taylor–Green {i}"))
    tg = TaylorGreen(U0=1.0, k=1.0, rho=1.0, nu=0.0)
    cases.append(Case.of(tg, *_ns_points(rng), 1.0, 0.0, name="inviscid Taylor–Green (Euler)"))
    return cases


@check("eq-navier-stokes", kind="special-case", relation=True, atol=1e-8,
       oracle="exact solution: the Taylor–Green vortex solves Navier–Stokes, so the "
              "finite-difference residual (scaled by U0²k + νU0k²) must vanish",
       cases=_taylor_green_cases)
def taylor_green_is_exact(residual, flow, X, t, rho, nu):
    scale = flow.U0**2 * flow.k + nu * flow.U0 * flow.k**2
    got = residual(flow, X, t, rho, nu) / scale
    return got, np.zeros_like(got)


def _perturbed_cases(rng):
    cases = []
    for i, eps in enumerate([1e-1, 1e-2, 1e-3]):
        tg = TaylorGreen(U0=rng.uniform(0.5, 2), k=rng.uniform(0.5, 2), rho=rng.uniform(0.5, 2),
                         nu=rng.uniform(0.01, 1))
        flow = Perturbed(tg, eps, k=rng.uniform(0.5, 1.5), omega=rng.uniform(0.5, 2))
        cases.append(Case.of(flow, *_ns_points(rng), tg.rho, tg.nu, name=f"perturbed, eps={eps:g}"))
    return cases


@check("eq-navier-stokes", kind="autograd", rtol=1e-7, atol=1e-8,
       oracle="the same residual with exact derivatives from torch autograd",
       cases=_perturbed_cases)
def navier_stokes_residual_autograd(flow, X, t, rho, nu):
    u, p, dudt, grad_u, lap_u, grad_p = autograd_derivatives(flow, X, t)
    momentum = dudt + np.einsum("jn,ijn->in", u, grad_u) + grad_p / rho - nu * lap_u
    return np.vstack([momentum, grad_u[0, 0] + grad_u[1, 1]])


@check("eq-navier-stokes", kind="property", relation=True, compare="ge",
       oracle="a perturbed Taylor–Green field is not a solution: its largest residual must "
              "exceed half the perturbation amplitude ε",
       cases=[Case.of(eps, name=f"eps={eps:g}") for eps in (1e-1, 1e-2, 1e-3)])
def perturbed_is_not_a_solution(residual, eps):
    rng = np.random.default_rng(7)
    tg = TaylorGreen(U0=1.0, k=1.0, rho=1.0, nu=0.1)
    X, t = _ns_points(rng, 200)
    got = np.max(np.abs(residual(Perturbed(tg, eps), X, t, 1.0, 0.1)))
    return got, 0.5 * eps


# ---------------------------------------------------------------------------------------------
# Scalings and the Reynolds number

# Dimensions (mass, length, time) of each input, for unit-change checks.
DIMENSIONS = {"x": (0, 1, 0), "t": (0, 0, 1), "u": (0, 1, -1), "p": (1, -1, -2),
              "U": (0, 1, -1), "L": (0, 1, 0), "eta": (1, -1, -1), "rho": (1, -3, 0),
              "nu": (0, 2, -1), "D": (0, 2, -1)}


def in_other_units(values, names, mass, length, time):
    """Re-express SI values in units of `mass` kg, `length` m and `time` s."""
    return [v / (mass ** DIMENSIONS[n][0] * length ** DIMENSIONS[n][1] * time ** DIMENSIONS[n][2])
            for v, n in zip(values, names)]


@equation("eq-scalings")
def to_dimensionless(x, t, u, p, U, L, eta):
    """Starred variables: x* = x/L, t* = tU/L, u* = u/U, p* = pL/(eta U)."""
    return np.array([x / L, t * U / L, u / U, p * L / (eta * U)])


def _scaling_inputs(rng, n=6):
    out = []
    for _ in range(n):
        U, L, eta = 10 ** rng.uniform(-5, 1), 10 ** rng.uniform(-6, 1), 10 ** rng.uniform(-4, 0)
        out.append((rng.normal() * L, rng.uniform(0, 10) * L / U, rng.normal() * U,
                    rng.normal() * eta * U / L, U, L, eta))
    return out


@check("eq-scalings", kind="property", relation=True, rtol=1e-12,
       oracle="unit invariance: the same state expressed in randomly chosen units of mass, "
              "length and time gives the same starred values",
       cases=lambda rng: [Case.of(v, 10 ** rng.uniform(-3, 3, 3)) for v in _scaling_inputs(rng)])
def scalings_are_dimensionless(scale, values, units):
    names = ["x", "t", "u", "p", "U", "L", "eta"]
    return scale(*values), scale(*in_other_units(values, names, *units))


def _characteristic_point(rng):
    return [Case.of(L, L / U, U, eta * U / L, U, L, eta, name=f"U={U:.2g}, L={L:.2g}")
            for *_, U, L, eta in _scaling_inputs(rng)]


@check("eq-scalings", kind="special-case", rtol=1e-14,
       oracle="closed form: the characteristic values x = L, t = L/U, u = U, p = ηU/L all map "
              "to exactly 1",
       cases=_characteristic_point)
def scales_map_to_one(x, t, u, p, U, L, eta):
    return np.ones(4)


@equation("eq-reynolds")
def reynolds(rho, U, L, eta):
    """R = rho U L / eta (equivalently U L / nu with nu = eta / rho)."""
    return rho * U * L / eta


def _fluid_cases(rng):
    cases = [Case.of(998.2, 25e-6, 2e-6, 1.0016e-3, name="E. coli in water"),
             Case.of(1025.0, 5.0, 25.0, 1.08e-3, name="blue whale in sea water"),
             Case.of(1380.0, 1e-2, 1e-3, 1.4, name="a millimetre bead in corn syrup")]
    for _ in range(5):
        cases.append((10 ** rng.uniform(-1, 4), 10 ** rng.uniform(-6, 1), 10 ** rng.uniform(-6, 2),
                      10 ** rng.uniform(-5, 3)))
    return cases


@check("eq-reynolds", kind="library", rtol=1e-12,
       oracle="Buckingham π: the one dimensionless group of (ρ, U, L, η), exponents from "
              "scipy.linalg.null_space of the dimension matrix, normalised so ρ has exponent 1",
       cases=_fluid_cases)
def reynolds_by_buckingham(rho, U, L, eta):
    # Rows: mass, length, time. Columns: rho, U, L, eta.
    dims = np.array([[1, 0, 0, 1], [-3, 1, 1, -1], [0, -1, 0, -1]], float)
    k = null_space(dims)[:, 0]
    k = k / k[0]
    return np.exp(k @ np.log([rho, U, L, eta]))



# ---------------------------------------------------------------------------------------------
# The dimensionless Navier–Stokes equation


@equation("eq-ns-dimensionless")
def dimensionless_residual(flow_star, Xs, ts, R, h=1e-3, ht=1e-3):
    """R (du*/dt* + u*.grad* u*) + grad* p* - lap* u*, by central differences in starred
    variables (steps h in x*, ht in t*)."""
    u, p, dudt, grad_u, lap_u, grad_p = fd_derivatives(flow_star, Xs, ts, h, ht)
    return R * (dudt + convective(u, grad_u)) + grad_p - lap_u


def _dimensionless_cases(rng, exact=False):
    # (label, U, L, rho, eta): from a bacterium to a whale, and oil.
    regimes = [("bacterium", 30e-6, 1e-6, 998.0, 1e-3), ("paramecium", 1e-3, 2e-4, 998.0, 1e-3),
               ("honey drop", 1e-2, 1e-2, 1400.0, 10.0), ("fish", 0.3, 0.1, 1025.0, 1.08e-3)]
    cases = []
    for name, U, L, rho, eta in regimes:
        k = 1 / L * rng.uniform(0.5, 2)
        base = TaylorGreen(U0=U * rng.uniform(0.5, 2), k=k, rho=rho, nu=eta / rho)
        flow = base if exact else Perturbed(base, 0.1 * U, k, U / L)
        R = reynolds(rho, U, L, eta)
        # A free vortex decays on the viscous clock L²/ν = R L/U: at low R it changes much
        # faster than t* = tU/L counts, so the time step (and the window) shrink with R.
        clock = min(1.0, R)
        Xs, ts = rng.uniform(-3, 3, (2, 30)), rng.uniform(0, clock, 30)
        cases.append(Case.of(Dimensionless(flow, U, L, rho, eta), Xs, ts, R, ht=1e-3 * clock,
                             name=f"{name}, R = {R:.2g}"))
    return cases


@check("eq-ns-dimensionless", kind="special-case", relation=True, atol=1e-8,
       oracle="exact solution: the Taylor–Green vortex in starred variables makes the residual "
              "(divided by 1 + R) vanish, from a bacterium's R to a fish's",
       cases=lambda rng: _dimensionless_cases(rng, exact=True))
def dimensionless_taylor_green(residual, flow_star, Xs, ts, R, ht):
    got = residual(flow_star, Xs, ts, R, ht=ht) / (1 + R)
    return got, np.zeros_like(got)


@check("eq-ns-dimensionless", kind="autograd", rtol=1e-7, atol=1e-7,
       oracle="the dimensional residual ρ(∂u/∂t + u·∇u) + ∇p − η∇²u (torch autograd) at x = Lx*, "
              "t = t*L/U, multiplied by L²/(ηU)",
       cases=_dimensionless_cases)
def dimensionless_from_dimensional(flow_star, Xs, ts, R, ht):
    s = flow_star
    u, p, dudt, grad_u, lap_u, grad_p = autograd_derivatives(s.flow, s.L * Xs, ts * s.L / s.U)
    force = s.rho * (dudt + np.einsum("jn,ijn->in", u, grad_u)) + grad_p - s.eta * lap_u
    return force * s.L**2 / (s.eta * s.U)


# ---------------------------------------------------------------------------------------------
# Stokes' equation


@equation("eq-stokes")
def stokes_residual(flow, X, eta, h=1e-3):
    """grad p - eta lap u (rows 0..d-1) and div u (row d), by central differences."""
    t = np.zeros(np.shape(X)[1])
    u, p, dudt, grad_u, lap_u, grad_p = fd_derivatives(flow, X, t, h)
    return np.vstack([grad_p - eta * lap_u, np.trace(grad_u)])


def _shell_points(rng, n, rmin, rmax):
    d = rng.standard_normal((3, n))
    return d / np.linalg.norm(d, axis=0) * rng.uniform(rmin, rmax, n)


def _exact_stokes_cases(rng):
    cases = []
    for i in range(3):
        eta = 10 ** rng.uniform(-1, 1)
        cases.append(Case.of(Stokeslet(rng.standard_normal(3), eta), _shell_points(rng, 50, 0.5, 3),
                             eta, name=f"Stokeslet {i}"))
    for i in range(3):
        eta, a = 10 ** rng.uniform(-1, 1), rng.uniform(0.3, 1)
        cases.append(Case.of(TranslatingSphere(a, rng.standard_normal(3), eta),
                             _shell_points(rng, 50, a, 4 * a), eta, name=f"sphere {i}"))
    return cases


@check("eq-stokes", kind="special-case", relation=True, atol=1e-7,
       oracle="exact solutions: the Stokeslet (point force) and Stokes' translating-sphere flow "
              "solve ∇p = η∇²u, ∇·u = 0, so the finite-difference residual must vanish",
       cases=_exact_stokes_cases)
def exact_stokes_flows(residual, flow, X, eta):
    got = residual(flow, X, eta)
    return got, np.zeros_like(got)


def _inexact_stokes_cases(rng):
    cases = []
    for i in range(3):
        eta = 10 ** rng.uniform(-1, 1)
        cases.append(Case.of(Stokeslet(rng.standard_normal(3), eta, pressure_factor=1.5),
                             _shell_points(rng, 50, 0.5, 3), eta, name=f"wrong pressure {i}"))
    return cases


@check("eq-stokes", kind="special-case", rtol=1e-7, atol=1e-8,
       oracle="closed form: a Stokeslet whose pressure is scaled by c leaves the residual "
              "(c − 1)∇p = (c − 1)(f/r³ − 3(f·x)x/r⁵)/(4π) and ∇·u = 0 (the unscaled Stokeslet "
              "is exact, and ∇p differentiated by hand)",
       cases=_inexact_stokes_cases)
def stokes_residual_closed_form(flow, X, eta):
    f = flow.f[:, None]
    r = np.linalg.norm(X, axis=0)
    fx = (f * X).sum(axis=0)
    grad_p = (f / r**3 - 3 * fx * X / r**5) / (4 * np.pi)
    return np.vstack([(flow.pressure_factor - 1) * grad_p, np.zeros(X.shape[1])])
