"""The Najafi–Golestanian three-sphere swimmer: counterparts and checks for "Life at Low Reynolds
Number".

Three spheres of radius a sit on a line at x1 < x2 < x3, joined by two arms whose lengths
L1 = x2 - x1 and L2 = x3 - x2 the swimmer controls. The spheres feel Stokes drag and each other's
Stokeslet flow (the Oseen approximation, good for a << L). No external force acts, so the three
forces sum to zero. Given the arm rates, the forces and velocities follow from a 3-by-3 linear
solve; the swimmer's position is the centroid of the spheres.

A stroke is a closed loop in shape space (L1, L2), parametrised by a phase s in [0, 2 pi):
``stroke(s) -> (L, dL/ds)``, both of shape (2, n).
"""

import numpy as np
from scipy.integrate import solve_ivp

from folio import Case, check, equation

# ---------------------------------------------------------------------------------------------
# Hydrodynamics of n spheres on a line


def mobility_matrix(x, a, eta):
    """M with V = M F for spheres at positions x on a line: self-mobility 1/(6 pi eta a) on the
    diagonal, the Stokeslet 1/(4 pi eta |x_i - x_j|) off it."""
    x = np.asarray(x, float)
    r = np.abs(x[:, None] - x[None, :])
    np.fill_diagonal(r, 1.0)
    M = 1.0 / (4 * np.pi * eta * r)
    np.fill_diagonal(M, 1.0 / (6 * np.pi * eta * a))
    return M


@equation("eq-oseen", equivalent={
    "swap-args#1": "the mobility matrix is symmetric (the Lorentz reciprocal theorem; here "
                   "1/|x_i - x_j| is symmetric in i, j), so F @ M = M^T F = M F"})
def sphere_velocities(x, F, a, eta):
    """V_i = F_i / (6 pi eta a) + sum_{j != i} F_j / (4 pi eta |x_i - x_j|)."""
    return mobility_matrix(x, a, eta) @ np.asarray(F, float)


def _spheres(rng, n):
    gaps = rng.uniform(5, 20, n - 1)
    return np.concatenate([[0.0], np.cumsum(gaps)]) + rng.normal()


@check("eq-oseen", kind="definition", rtol=1e-12,
       oracle="3-D superposition: Stokes drag for each sphere's own force plus the Oseen-tensor "
              "flow (I + r̂r̂ᵀ)/(8πηr) of every other sphere's force, with the line of spheres "
              "pointing in a random direction in space",
       cases=lambda rng: [Case.of(_spheres(rng, n), rng.standard_normal(n), rng.uniform(0.2, 1.5),
                                  10 ** rng.uniform(-3, 1), name=f"{n} spheres")
                          for n in (2, 3, 3, 4, 6)])
def velocities_from_oseen_tensor(x, F, a, eta):
    rng = np.random.default_rng(11)
    e = rng.standard_normal(3)
    e /= np.linalg.norm(e)
    pos = np.outer(x, e)      # sphere centres in space
    force = np.outer(F, e)    # forces along the line
    V = force / (6 * np.pi * eta * a)
    for i in range(len(x)):
        for j in range(len(x)):
            if i != j:
                r = pos[i] - pos[j]
                d = np.linalg.norm(r)
                G = (np.eye(3) + np.outer(r, r) / d**2) / (8 * np.pi * eta * d)
                V[i] += G @ force[j]
    return V @ e


def connection(L, a, eta):
    """A(L) with centroid velocity = A1 dL1/dt + A2 dL2/dt, for shapes L of shape (2, n).

    Columns of the solve: the forces for unit rate of arm 1 and of arm 2, from
    V2 - V1 = dL1/dt, V3 - V2 = dL2/dt and F1 + F2 + F3 = 0.
    """
    L1, L2 = np.atleast_1d(L[0]), np.atleast_1d(L[1])
    n = L1.size
    r12, r23, r13 = L1, L2, L1 + L2
    inv = 1.0 / (4 * np.pi * eta)
    M = np.empty((n, 3, 3))
    M[:, [0, 1, 2], [0, 1, 2]] = 1.0 / (6 * np.pi * eta * a)
    M[:, 0, 1] = M[:, 1, 0] = inv / r12
    M[:, 1, 2] = M[:, 2, 1] = inv / r23
    M[:, 0, 2] = M[:, 2, 0] = inv / r13
    C = np.array([[-1.0, 1.0, 0.0], [0.0, -1.0, 1.0]])
    system = np.concatenate([C @ M, np.ones((n, 1, 3))], axis=1)
    rhs = np.broadcast_to(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), (n, 3, 2))
    F = np.linalg.solve(system, rhs)          # (n, 3, 2): forces for each unit rate
    V = M @ F                                  # sphere velocities
    return V.mean(axis=1).T                    # (2, n): centroid velocity per unit rate


# ---------------------------------------------------------------------------------------------
# Strokes


class Ellipse:
    """L1 = l1 + u1 cos s, L2 = l2 + u2 cos(s - phi): non-reciprocal unless sin(phi) = 0.

    Its signed area in the (L1, L2) plane is pi u1 u2 sin(phi), positive when counter-clockwise.
    """

    def __init__(self, l1, l2, u1, u2, phi):
        self.l1, self.l2, self.u1, self.u2, self.phi = l1, l2, u1, u2, phi

    def __call__(self, s):
        L = np.stack([self.l1 + self.u1 * np.cos(s), self.l2 + self.u2 * np.cos(s - self.phi)])
        dL = np.stack([-self.u1 * np.sin(s), -self.u2 * np.sin(s - self.phi)])
        return L, dL

    @property
    def area(self):
        return np.pi * self.u1 * self.u2 * np.sin(self.phi)

    def scaled(self, factor):
        return Ellipse(self.l1, self.l2, factor * self.u1, factor * self.u2, self.phi)

    def __repr__(self):
        return f"Ellipse(u1={self.u1:.3g}, u2={self.u2:.3g}, phi={self.phi:.3g})"


class OutAndBack:
    """A reciprocal stroke: a point c(s) = cos(theta(s)) runs out and back along the curve
    L = (l1 + u1 c, l2 + u2 c + w c^2), with the pace theta(s) = s + beta sin s + kappa (1 - cos s).
    beta != 0 makes the two halves take different times; kappa != 0 makes c(s) lose the mirror
    symmetry c(-s) = c(s), so a phase-sampled integral cannot cancel term by term."""

    def __init__(self, l1, l2, u1, u2, w=0.0, beta=0.0, kappa=0.0):
        self.l1, self.l2, self.u1, self.u2, self.w = l1, l2, u1, u2, w
        self.beta, self.kappa = beta, kappa

    def __call__(self, s):
        arg = s + self.beta * np.sin(s) + self.kappa * (1 - np.cos(s))
        c = np.cos(arg)
        dc = -np.sin(arg) * (1 + self.beta * np.cos(s) + self.kappa * np.sin(s))
        L = np.stack([self.l1 + self.u1 * c, self.l2 + self.u2 * c + self.w * c**2])
        dL = np.stack([self.u1 * dc, (self.u2 + 2 * self.w * c) * dc])
        return L, dL


# ---------------------------------------------------------------------------------------------
# Net displacement per cycle: a line integral in shape space


@equation("eq-scallop")
def net_displacement(stroke, a, eta=1.0, n=512):
    """Delta x = closed integral of A(L) . dL over the stroke, by the trapezoid rule in the phase
    (spectrally accurate for a smooth closed loop). Time does not appear."""
    s = 2 * np.pi * np.arange(n) / n
    L, dL = stroke(s)
    A = connection(L, a, eta)
    return np.sum(A * dL) * 2 * np.pi / n


def simulate(stroke, a, eta=1.0, cycles=1, timing=0.0, period=1.0, points=0, rtol=1e-12):
    """Integrate the three spheres in time through `cycles` strokes, with scipy's DOP853.

    The phase runs non-uniformly when timing != 0: s(t) = w t + timing sin(w t), |timing| < 1.
    Each step solves for the forces from the arm rates and moves all three spheres. Returns the
    times and centroid positions (at `points` evenly spaced times if given, else the end only).
    """
    w = 2 * np.pi / period

    def phase(t):
        return w * t + timing * np.sin(w * t), w * (1 + timing * np.cos(w * t))

    def rates(t):
        s, ds = phase(t)
        L, dL = stroke(np.array([s]))
        return dL[:, 0] * ds

    def rhs(t, x):
        M = mobility_matrix(x, a, eta)
        system = np.vstack([M[1] - M[0], M[2] - M[1], np.ones(3)])
        F = np.linalg.solve(system, np.append(rates(t), 0.0))
        return M @ F

    L0, _ = stroke(np.array([0.0]))
    x0 = np.array([0.0, L0[0, 0], L0[0, 0] + L0[1, 0]])
    T = cycles * period
    t_eval = np.linspace(0, T, points) if points else None
    sol = solve_ivp(rhs, (0, T), x0, method="DOP853", rtol=rtol, atol=rtol * 1e-2, t_eval=t_eval)
    centroid = sol.y.mean(axis=0) - x0.mean()
    return sol.t, centroid


def _reciprocal_strokes(rng):
    # Every pace has kappa != 0: with c(s) even in s, the phase samples would pair up and cancel
    # for any connection A, and the check could not fail.
    cases = [Case.of(OutAndBack(1.0, 1.0, 0.2, 0.2, kappa=0.4), 0.05, name="both arms in phase"),
             Case.of(OutAndBack(1.0, 1.0, 0.3, 0.0, kappa=-0.5), 0.05, name="one arm only"),
             Case.of(OutAndBack(1.0, 0.8, 0.2, -0.1, w=0.15, kappa=0.3), 0.05,
                     name="curved out-and-back path"),
             Case.of(OutAndBack(1.0, 1.2, 0.25, 0.1, w=-0.1, beta=0.6, kappa=0.6), 0.1,
                     name="fast out, slow back (beta = 0.6, kappa = 0.6)")]
    for i in range(3):
        l1, l2 = rng.uniform(0.8, 1.5, 2)
        beta, kappa = rng.uniform(-0.6, 0.6, 2)
        cases.append(Case.of(OutAndBack(l1, l2, *rng.uniform(-0.3, 0.3, 3), beta=beta, kappa=kappa),
                             rng.uniform(0.01, 0.15), name=f"random reciprocal {i}"))
    return cases


@check("eq-scallop", kind="property", relation=True, atol=1e-13,
       oracle="the scallop theorem: a reciprocal stroke (out and back along one path, at an uneven "
              "pace with no mirror symmetry in the phase) must give |Δx| < 1e-13 of the arm length; "
              "this holds for any connection A, so it tests the line integral, and the time-domain "
              "check below tests A",
       cases=_reciprocal_strokes)
def reciprocal_strokes_go_nowhere(displacement, stroke, a):
    return displacement(stroke, a) / stroke.l1, 0.0


def _time_domain_cases(rng):
    cases = [Case.of(Ellipse(1.0, 1.0, 0.2, 0.2, np.pi / 2), 0.1, name="quarter-cycle lag"),
             Case.of(Ellipse(1.0, 1.0, 0.2, 0.2, -np.pi / 2), 0.1, name="reversed loop"),
             Case.of(Ellipse(1.0, 1.0, 0.3, 0.3, 0.0), 0.1, name="reciprocal (phi = 0)"),
             Case.of(OutAndBack(1.0, 0.8, 0.2, -0.1, w=0.15, kappa=0.3), 0.05,
                     name="reciprocal, curved path, skewed pace")]
    for i in range(2):
        l1, l2 = rng.uniform(0.8, 1.5, 2)
        cases.append(Case.of(Ellipse(l1, l2, *rng.uniform(0.05, 0.3, 2), rng.uniform(-3, 3)),
                             rng.uniform(0.02, 0.2), name=f"random loop {i}"))
    return cases


@check("eq-scallop", kind="simulation", atol=1e-13,
       oracle="time-domain simulation: the three spheres integrated with scipy's DOP853 "
              "(rtol 1e-12) through one stroke run at a non-uniform pace (timing 0.6); loops and "
              "reciprocal strokes must agree to 1e-13 arm lengths",
       cases=_time_domain_cases)
def displacement_by_simulation(stroke, a):
    t, x = simulate(stroke, a, timing=0.6)
    return x[-1]


# ---------------------------------------------------------------------------------------------
# Small strokes: displacement = curvature of the connection x enclosed area


@equation("eq-swim-area")
def small_stroke_displacement(stroke, a):
    """Delta x = (a/3) (1/l1^2 + 1/l2^2 - 1/(l1 + l2)^2) x signed area, to leading order in
    a/l and in the stroke amplitude."""
    l1, l2 = stroke.l1, stroke.l2
    return a / 3 * (1 / l1**2 + 1 / l2**2 - 1 / (l1 + l2) ** 2) * stroke.area


def _small_strokes(rng):
    cases = [Case.of(Ellipse(1.0, 1.0, 0.03, 0.03, np.pi / 2), 0.005, name="circle, a = 0.005"),
             Case.of(Ellipse(1.0, 1.0, 0.03, 0.03, -np.pi / 2), 0.005, name="circle, reversed")]
    for i in range(3):
        l1, l2 = rng.uniform(0.8, 1.5, 2)
        cases.append(Case.of(Ellipse(l1, l2, *rng.uniform(0.01, 0.04, 2), rng.uniform(-3, 3)),
                             rng.uniform(0.002, 0.01), name=f"random small loop {i}"))
    return cases


@check("eq-swim-area", kind="simulation", rtol=0.03,
       oracle="time-domain simulation of the full Oseen swimmer (scipy DOP853, rtol 1e-12); the "
              "formula is first order in a/ℓ and in the amplitude, so they agree to 3%",
       cases=_small_strokes)
def small_stroke_by_simulation(stroke, a):
    return simulate(stroke, a)[1][-1]


@check("eq-swim-area", kind="property", relation=True, rtol=0.01,
       oracle="scaling: doubling the stroke amplitude quadruples the enclosed area, so the "
              "simulated displacement must grow by the same ratio as the formula's (to 1%)",
       cases=[Case.of(Ellipse(1.0, 1.0, 0.02, 0.02, np.pi / 2), 0.01, name="circle"),
              Case.of(Ellipse(1.2, 0.9, 0.03, 0.015, 1.0), 0.01, name="ellipse, phi = 1"),
              Case.of(Ellipse(1.0, 1.0, 0.02, 0.04, -2.0), 0.005, name="ellipse, phi = -2")])
def area_scaling(formula, stroke, a):
    big = stroke.scaled(2.0)
    simulated = simulate(big, a)[1][-1] / simulate(stroke, a)[1][-1]
    return formula(big, a) / formula(stroke, a), simulated
