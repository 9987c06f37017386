"""Code counterparts and checks for "Life at Low Reynolds Number": the drag on a sphere in
Stokes flow and the Péclet number. The flows, their derivatives, the Navier-Stokes and Stokes
equations and the Reynolds number are in lowre_flow.py; the swimmer is in lowre_swimmer.py.
"""

import numpy as np

from folio import Case, check, equation
from lowre_flow import TranslatingSphere, in_other_units


# ---------------------------------------------------------------------------------------------
# Stokes drag and the Péclet number


@equation("eq-stokes-drag")
def stokes_drag(eta, a, U):
    """F = 6 pi eta a U."""
    return 6 * np.pi * eta * a * U


@check("eq-stokes-drag", kind="finite-differences", rtol=1e-6,
       oracle="the traction −p n + η(∇u + ∇uᵀ) n of Stokes' sphere flow, integrated over the "
              "sphere (central differences for ∇u; Gauss–Legendre × trapezoid quadrature, 24 × 48 "
              "nodes)",
       cases=lambda rng: [Case.of(1.0016e-3, 1e-6, 30e-6, name="Purcell's bacterium")]
       + [(10 ** rng.uniform(-3, 1), 10 ** rng.uniform(-6, -1), 10 ** rng.uniform(-6, -2))
          for _ in range(5)])
def drag_by_surface_traction(eta, a, U):
    flow = TranslatingSphere(a, [U, 0.0, 0.0], eta)
    mu, wmu = np.polynomial.legendre.leggauss(24)
    phi = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    MU, PHI = np.meshgrid(mu, phi, indexing="ij")
    s = np.sqrt(1 - MU**2)
    n = np.stack([MU.ravel(), (s * np.cos(PHI)).ravel(), (s * np.sin(PHI)).ravel()])
    X, h = a * n, 1e-5 * a
    grad = np.empty((3, 3, X.shape[1]))
    for j in range(3):
        e = np.zeros((3, 1))
        e[j] = h
        grad[:, j] = (flow(X + e, 0, np)[0] - flow(X - e, 0, np)[0]) / (2 * h)
    p = flow(X, 0, np)[1]
    strain = grad + grad.transpose(1, 0, 2)
    traction = -p * n + eta * np.einsum("ijn,jn->in", strain, n)
    weights = np.outer(wmu, np.full(phi.size, 2 * np.pi / phi.size)).ravel() * a**2
    force_on_sphere = traction @ weights
    return -force_on_sphere[0]  # the drag opposes the motion


@equation("eq-peclet")
def peclet(U, L, D):
    """Pe = U L / D."""
    return U * L / D


def _advection_diffusion_midpoint(U, L, D, cells=2000):
    """c(L/2) of the steady advection–diffusion equation D c'' = U c' on [0, L] with c(0) = 1,
    c(L) = 0, solved by central finite differences (a banded linear solve) in SI units."""
    from scipy.linalg import solve_banded

    h = L / cells
    lower, diag, upper = D / h**2 + U / (2 * h), -2 * D / h**2, D / h**2 - U / (2 * h)
    n = cells - 1                             # interior nodes x_1 ... x_{cells-1}
    ab = np.zeros((3, n))
    ab[0, 1:], ab[1], ab[2, :-1] = upper, diag, lower
    rhs = np.zeros(n)
    rhs[0] = -lower * 1.0                     # the boundary value c(0) = 1
    c = solve_banded((1, 1), ab, rhs)
    return c[cells // 2 - 1]


@check("eq-peclet", kind="finite-differences", rtol=1e-6,
       oracle="the steady advection–diffusion equation D c'' = U c' on [0, L], c(0) = 1, c(L) = 0, "
              "solved by central differences (2 000 cells) in SI units; its exact solution has "
              "c(L/2) = 1/(1 + e^(−Pe/2)), so Pe = −2 ln(1/c(L/2) − 1) is read off the numbers",
       cases=[Case.of(30e-6, 1e-6, 1e-9, name="Purcell's bacterium"),
              Case.of(50e-6, 50e-6, 1e-9, name="a sperm cell's length"),
              Case.of(1.0, 1.0, 1.0, name="unit"),
              Case.of(-5e-5, 2e-6, 1e-10, name="flow against the gradient, slow molecule")])
def peclet_by_advection_diffusion(U, L, D):
    return -2 * np.log(1 / _advection_diffusion_midpoint(U, L, D) - 1)


@check("eq-peclet", kind="property", relation=True, rtol=1e-12,
       oracle="unit invariance: the same (U, L, D) in randomly chosen units of length and time",
       cases=lambda rng: [Case.of((10 ** rng.uniform(-6, 0), 10 ** rng.uniform(-6, 0),
                                   10 ** rng.uniform(-10, -8)), 10 ** rng.uniform(-3, 3, 3))
                          for _ in range(6)])
def peclet_is_dimensionless(pe, values, units):
    return pe(*values), pe(*in_other_units(values, ["U", "L", "D"], *units))
