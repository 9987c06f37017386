"""Code counterparts and checks for "Temporal Difference Learning".

Each display equation of the post from the returns on has one function here marked
``@equation`` (the formula as written) and one or more ``@check`` functions that get the same
answer another way: a library routine, a closed form, a theorem about the rule, or a simulation.

Indexing convention (Sutton & Barto's), used everywhere below. A trial has clock ticks
t = 0, 1, ..., T. The reward r[t + 1] arrives on the step from t to t + 1, so reward arrays have
length T + 1 and r[0] is never used. Values v[t] are defined for t = 0..T and v[T] = 0: nothing
is predicted once the trial is over. TD errors delta[t] exist for t = 0..T-1.

The Rescorla-Wagner rule, the first part of the post, is in td_rescorla_wagner.py.
"""

import math

import numpy as np
from scipy.linalg import solve_triangular
from scipy.signal import lfilter

from folio import Case, check, equation


# =============================================================================================
# Returns


@equation("eq-discounted-return", equivalent={
    "swap-args#2": "np.clip(0, s - t - 1, None) and np.clip(s - t - 1, 0, None) are both "
                   "max(0, s - t - 1)"})
def discounted_return(r, gamma):
    """R[t] = sum over tau >= 0 of gamma^tau r[t + tau + 1], for t = 0..T (R[T] = 0).

    ``r`` has length T + 1 and r[0] is unused. Built as a triangular matrix of discount factors
    applied to the rewards, which is the sum exactly as written.
    """
    r = np.asarray(r, dtype=float)
    n = len(r)
    t, s = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    powers = np.where(s > t, float(gamma) ** np.clip(s - t - 1, 0, None), 0.0)
    return powers @ r


def _reward_cases(rng):
    cases = [(rng.standard_normal(T + 1), float(g)) for T, g in [(5, 0.9), (12, 0.5), (30, 0.98)]]
    spike = np.zeros(21)
    spike[15] = 1.0
    cases += [Case.of(spike, 0.9, name="one reward at t = 15"),
              Case.of(rng.standard_normal(9), 0.0, name="gamma = 0: next reward only"),
              Case.of(rng.standard_normal(9), 1.0, name="gamma = 1: undiscounted sum"),
              Case.of(np.array([0.0, 2.0]), 0.7, name="one-step trial"),
              Case.of(np.zeros(6), 0.9, name="no reward")]
    return cases


def _return_by_fsum(r, gamma):
    T = len(r) - 1
    return np.array([math.fsum(gamma ** tau * r[t + tau + 1] for tau in range(T - t))
                     for t in range(T + 1)])


@check("eq-discounted-return", kind="library", oracle="scipy.signal.lfilter run backwards over the rewards "
       "(the IIR filter y[n] = x[n] + gamma y[n-1])", rtol=1e-12, cases=_reward_cases)
def discounted_return_by_lfilter(r, gamma):
    r = np.asarray(r, dtype=float)
    y = lfilter([1.0], [1.0, -gamma], r[1:][::-1])
    return np.append(y[::-1], 0.0)


@check("eq-discounted-return", kind="library",
       oracle="Bellman's equations of the trial as a chain of states t -> t + 1, "
              "(I - gamma S) R = r_next with S the shift to the next tick and R[T] = 0, "
              "solved by scipy.linalg.solve_triangular", rtol=1e-10, cases=_reward_cases)
def discounted_return_by_bellman_solve(r, gamma):
    r = np.asarray(r, dtype=float)
    n = len(r)
    S = np.eye(n, k=1)
    S[-1] = 0.0                                   # the last tick has no successor
    r_next = np.append(r[1:], 0.0)                # the reward on leaving tick t is r[t + 1]
    return solve_triangular(np.eye(n) - gamma * S, r_next, lower=False)


@equation("eq-return-recursion")
def return_by_recursion(r, gamma):
    """R[T] = 0, then R[t] = r[t + 1] + gamma R[t + 1] backwards in time."""
    r = np.asarray(r, dtype=float)
    R = np.zeros(len(r))
    for t in range(len(r) - 2, -1, -1):
        R[t] = r[t + 1] + gamma * R[t + 1]
    return R


@check("eq-return-recursion", kind="definition", oracle="the discounted sum written out: double loop with "
       "math.fsum", rtol=1e-12, cases=_reward_cases)
def return_recursion_by_fsum(r, gamma):
    return _return_by_fsum(r, gamma)


# =============================================================================================
# TD learning with a tapped delay line


def delay_line(s, K):
    """Tapped-delay-line features: u_k[t] = s[t - k] for k = 0..K-1 (zero before the trial)."""
    s = np.asarray(s, dtype=float)
    U = np.zeros((len(s), K))
    for k in range(min(K, len(s))):
        U[k:, k] = s[: len(s) - k]
    return U


@equation("eq-td-value")
def td_value(w, s):
    """v[t] = w . u[t] for every tick of a trial, u[t] the delay line of the stimulus train s."""
    return delay_line(s, len(w)) @ w


@check("eq-td-value", kind="library", oracle="numpy.convolve of the stimulus train with the weights: "
       "v[t] = sum_k w_k s[t - k]", rtol=1e-12,
       cases=lambda rng: [(rng.standard_normal(K), (rng.random(T) < 0.2).astype(float))
                          for K, T in [(5, 20), (12, 30), (1, 8), (25, 10)]]
       + [Case.of(np.arange(1.0, 6.0), np.eye(1, 15, 4).ravel(), name="one onset at t = 4"),
          Case.of(np.ones(4), np.zeros(10), name="no stimulus")])
def td_value_by_convolution(w, s):
    return np.convolve(s, w)[: len(s)]


@equation("eq-td-error")
def td_error(r, v, gamma):
    """delta[t] = r[t + 1] + gamma v[t + 1] - v[t] for t = 0..T-1."""
    r, v = np.asarray(r, dtype=float), np.asarray(v, dtype=float)
    return r[1:] + gamma * v[1:] - v[:-1]


def _td_error_cases(rng):
    cases = []
    for T, g in [(6, 0.9), (15, 0.5), (25, 1.0), (10, 0.0)]:
        v = rng.standard_normal(T + 1)
        v[-1] = 0.0
        cases.append(Case.of(rng.standard_normal(T + 1), v, g, name=f"T = {T}, gamma = {g}"))
    cases.append(Case.of(rng.standard_normal(8), rng.standard_normal(8), 0.8,
                         name="nonzero v[T] (a trial cut short)"))
    return cases


@check("eq-td-error", kind="property", oracle="theorem: the discounted sum of future TD errors equals the "
       "return minus the prediction, sum_k gamma^(k-t) delta[k] = R[t] - v[t] + gamma^(T-t) v[T], "
       "with R by direct summation", rtol=1e-11, relation=True, cases=_td_error_cases)
def td_errors_telescope(td_error_fn, r, v, gamma):
    d = td_error_fn(r, v, gamma)
    T = len(r) - 1
    got = np.array([math.fsum(gamma ** (k - t) * d[k] for k in range(t, T)) for t in range(T)])
    R = _return_by_fsum(r, gamma)
    want = np.array([R[t] - v[t] + gamma ** (T - t) * v[T] for t in range(T)])
    return got, want


@check("eq-td-error", kind="special-case", oracle="zero: a prediction equal to the true return (direct summation) "
       "leaves no error", atol=1e-12, rtol=0.0,
       cases=lambda rng: [Case.of(r, _return_by_fsum(r, g), g, name=f"gamma = {g}")
                          for r, g in [(rng.standard_normal(12), 0.9),
                                       (rng.standard_normal(20), 1.0),
                                       (np.eye(1, 30, 20).ravel(), 0.98)]])
def td_error_vanishes_at_return(r, v, gamma):
    return np.zeros(len(r) - 1)


@check("eq-td-error", kind="special-case",
       oracle="before any learning (v = 0) the error is the reward itself, delta[t] = r[t + 1]",
       rtol=1e-12,
       cases=lambda rng: [Case.of(rng.standard_normal(T + 1), np.zeros(T + 1), g,
                                  name=f"T = {T}, gamma = {g}") for T, g in [(5, 0.9), (12, 1.0)]]
       + [Case.of(np.eye(1, 31, 30).ravel(), np.zeros(31), 0.98, name="one reward at the end")])
def td_error_is_reward_before_learning(r, v, gamma):
    return np.asarray(r, dtype=float)[1:]


@equation("eq-td-update", equivalent={
    "swap-args#1": "w @ U[0] and U[0] @ w are the same dot product of two vectors",
    "swap-args#2": "w @ U[t + 1] and U[t + 1] @ w are the same dot product of two vectors"})
def td_trial(w, U, r, gamma, eps):
    """One trial of online TD(0): w[t + 1] = w[t] + eps delta[t] u[t], tick by tick.

    ``U`` holds the feature vectors u[0..T] as rows and ``r`` the rewards r[0..T]. The value
    v[t] is read with the weights held when u[t] arrives (w[t - 1]); v[T] = 0 ends the trial.
    Returns the new weights and the trial's values and TD errors.
    """
    w = np.array(w, dtype=float)
    T = len(r) - 1
    v = np.zeros(T + 1)
    delta = np.zeros(T)
    v[0] = w @ U[0]
    for t in range(T):
        v[t + 1] = w @ U[t + 1] if t + 1 < T else 0.0
        delta[t] = r[t + 1] + gamma * v[t + 1] - v[t]
        w = w + eps * delta[t] * U[t]
    return w, v, delta


def conditioning_trial(T=40, onset=10, reward_at=30, K=None, reward=1.0):
    """The basic TD trial: stimulus train s, its delay-line features U (row t is u[t]) and the
    rewards r, all indexed by tick t = 0..T."""
    K = T - onset if K is None else K
    s = np.zeros(T + 1)
    s[onset] = 1.0
    r = np.zeros(T + 1)
    r[reward_at] = reward
    return s, delay_line(s, K), r


@check("eq-td-update", kind="simulation", oracle="400 simulated trials, then the discounted return R[t] by "
       "direct summation (math.fsum): after training, v[t] = R[t] from stimulus onset on", rtol=1e-9, relation=True,
       cases=[Case.of(40, 10, {30: 1.0}, 0.98, 0.5, name="one reward, gamma = 0.98"),
              Case.of(30, 5, {12: 1.0, 20: -0.5}, 0.9, 0.3, name="two rewards"),
              Case.of(25, 3, {24: 2.0}, 1.0, 0.5, name="gamma = 1, reward at the last tick"),
              Case.of(20, 8, {9: 1.0}, 0.5, 0.8, name="reward right after onset")])
def td_learns_the_return(td_trial_fn, T, onset, rewards, gamma, eps):
    U = delay_line(np.eye(1, T + 1, onset).ravel(), T - onset)
    r = np.zeros(T + 1)
    for t, x in rewards.items():
        r[t] = x
    w = np.zeros(U.shape[1])
    for _ in range(400):
        w, v, _ = td_trial_fn(w, U, r, gamma, eps)
    _, v, _ = td_trial_fn(w, U, r, gamma, 0.0)
    R = _return_by_fsum(r, gamma)
    return v[onset:], R[onset:]


@check("eq-td-update", kind="special-case",
       oracle="exact first trial from w = 0: nothing is predicted until the reward, so the only "
              "error is delta = r one tick before it, and only the delay-line unit active then "
              "learns, by eps r; every other weight stays 0",
       rtol=1e-12, relation=True,
       cases=[Case.of(40, 10, 30, 1.0, 0.98, 0.3, name="bell at 10, reward 1 at 30"),
                          Case.of(25, 3, 20, -2.0, 1.0, 0.7, name="aversive r = -2, gamma = 1"),
                          Case.of(20, 8, 9, 0.5, 0.5, 1.0, name="reward right after onset")])
def td_first_trial(td_trial_fn, T, onset, reward_at, reward, gamma, eps):
    s, U, r = conditioning_trial(T, onset, reward_at, reward=reward)
    want = np.zeros(U.shape[1])
    want[reward_at - 1 - onset] = eps * reward
    return td_trial_fn(np.zeros(U.shape[1]), U, r, gamma, eps)[0], want


def td_fixed_point(U, r, gamma):
    """The TD(0) fixed point: the w with sum_t u[t] (u[t] - gamma u[t + 1])^T w = sum_t u[t] r[t + 1].

    It is where the summed expected update vanishes; u[T] counts as zero (v[T] = 0). Solved with
    numpy.linalg.solve; for non-tabular features it is not the least-squares fit of the return.
    """
    T = len(r) - 1
    now = U[:T]
    nxt = np.vstack([U[1:T], np.zeros((1, U.shape[1]))])
    A = now.T @ (now - gamma * nxt)
    b = now.T @ np.asarray(r, dtype=float)[1:]
    return np.linalg.solve(A, b)


def _fixed_point_cases(rng):
    cases = []
    for seed_features, gamma in [(3, 1.0), (4, 0.9), (5, 0.7)]:
        states, r = random_walk_episode(rng)
        while len(states) < 4:                    # an episode long enough to pin down w
            states, r = random_walk_episode(rng)
        features = rng.standard_normal((5, 3))
        U = np.vstack([features[states], np.zeros(3)])
        cases.append(Case.of(U, r, gamma, name=f"random-walk episode, T = {len(r) - 1}, "
                                               f"3 random features, gamma = {gamma}"))
    # The conditioning trial with coarse features: 5 overlapping bumps instead of a delay line.
    s, _, r = conditioning_trial(40, 10, 30)
    ticks = np.arange(41) - 10
    centres = np.linspace(0, 30, 5)
    U = np.exp(-0.5 * ((ticks[:, None] - centres) / 5.0) ** 2) * (ticks[:, None] >= 0)
    cases.append(Case.of(U, r, 0.98, name="bell and reward, 5 Gaussian-bump features"))
    return cases


@check("eq-td-update", kind="library", relation=True, rtol=1e-5,
       oracle="the TD fixed point from numpy.linalg.solve of sum_t u[t](u[t] - gamma u[t+1])^T w "
              "= sum_t u[t] r[t+1]; against it, the fixed point of the counterpart's trial map "
              "at eps = 1e-6 (which is affine in w, so n + 1 trials determine it), off by O(eps)",
       cases=_fixed_point_cases)
def td_matches_fixed_point(td_trial_fn, U, r, gamma, eps=1e-6):
    n = U.shape[1]
    c = td_trial_fn(np.zeros(n), U, r, gamma, eps)[0]
    G = np.column_stack([td_trial_fn(e, U, r, gamma, eps)[0] - c for e in np.eye(n)])
    w_eps = np.linalg.solve(np.eye(n) - G, c)
    return w_eps, td_fixed_point(U, r, gamma)


# =============================================================================================
# TD(lambda) on a small chain


def random_walk_episode(rng, n_states=5):
    """Sutton & Barto's random walk: start in the middle, step left or right with probability
    1/2, end off either edge; reward 1 for leaving on the right. Returns the visited states
    s[0..T-1] and rewards r[0..T] (r[0] unused)."""
    s = n_states // 2
    states, rewards = [s], [0.0]
    while True:
        s += 1 if rng.random() < 0.5 else -1
        if s < 0 or s >= n_states:
            rewards.append(1.0 if s >= n_states else 0.0)
            return np.array(states), np.array(rewards)
        states.append(s)
        rewards.append(0.0)


@equation("eq-lambda-return")
def lambda_return(r, v, gamma, lam):
    """R^lambda[t] as the (1 - lam) lam^(n-1)-weighted mix of n-step returns, for t = 0..T-1.

    n-step return: R^(n)[t] = sum_{k<n} gamma^k r[t + k + 1] + gamma^n v[t + n]; with v[T] = 0
    the n = T - t one is the full return R[t], which takes the remaining weight lam^(T-t-1).
    """
    r, v = np.asarray(r, dtype=float), np.asarray(v, dtype=float)
    T = len(r) - 1
    out = np.zeros(T)
    for t in range(T):
        n_step = [sum(gamma ** k * r[t + k + 1] for k in range(n)) + gamma ** n * v[t + n]
                  for n in range(1, T - t + 1)]
        out[t] = (1 - lam) * sum(lam ** (n - 1) * n_step[n - 1] for n in range(1, T - t)) \
            + lam ** (T - t - 1) * n_step[-1]
    return out


def _lambda_return_recursive(r, v, gamma, lam):
    # R^lam[t] = r[t+1] + gamma ((1 - lam) v[t+1] + lam R^lam[t+1]), with R^lam[T] = v[T] = 0.
    T = len(r) - 1
    G = np.zeros(T + 1)
    for t in range(T - 1, -1, -1):
        G[t] = r[t + 1] + gamma * ((1 - lam) * v[t + 1] + lam * G[t + 1])
    return G[:T]


def _chain_cases(rng):
    cases = []
    for lam, gamma in [(0.0, 1.0), (0.5, 0.9), (0.9, 1.0), (1.0, 0.95), (0.7, 0.8)]:
        states, r = random_walk_episode(rng)
        features = rng.standard_normal((5, 3))
        w = rng.standard_normal(3)
        U = np.vstack([features[states], np.zeros(3)])  # the terminal state has no features
        cases.append(Case.of(U, r, w, gamma, lam, name=f"lambda = {lam}, gamma = {gamma}, "
                                                       f"T = {len(r) - 1}"))
    return cases


@check("eq-lambda-return", kind="property", oracle="theorem: the recursion R^lam[t] = r[t+1] + gamma((1 - lam) v[t+1] "
       "+ lam R^lam[t+1]), run backwards from the end of the episode", rtol=1e-12,
       cases=lambda rng: [Case.of(c.args[1], np.append(c.args[0][:-1] @ c.args[2], 0.0),
                                  c.args[3], c.args[4], name=c.name) for c in _chain_cases(rng)])
def lambda_return_by_recursion(r, v, gamma, lam):
    return _lambda_return_recursive(r, v, gamma, lam)


def _lambda_special_cases(rng):
    cases = []
    for lam in (0.0, 1.0):
        for gamma in (0.9, 1.0):
            states, r = random_walk_episode(rng)
            v = np.append(rng.standard_normal(len(r) - 1), 0.0)
            cases.append(Case.of(r, v, gamma, lam, name=f"lambda = {lam:g}, gamma = {gamma:g}"))
    return cases


@check("eq-lambda-return", kind="special-case",
       oracle="the two ends: lambda = 0 is the one-step target r[t+1] + gamma v[t+1], lambda = 1 "
              "the full return R[t] by direct summation (math.fsum)", rtol=1e-12,
       cases=_lambda_special_cases)
def lambda_return_ends(r, v, gamma, lam):
    r, v = np.asarray(r, dtype=float), np.asarray(v, dtype=float)
    if lam == 0.0:
        return r[1:] + gamma * v[1:]
    return _return_by_fsum(r, gamma)[:-1]


@equation("eq-td-lambda")
def td_lambda_offline(U, r, w, gamma, lam, eps=0.1):
    """Backward view: summed updates eps sum_t delta[t] e[t] with e[t] = gamma lam e[t-1] + u[t].

    Offline: the weights are frozen during the episode and the summed change is returned.
    """
    T = len(r) - 1
    v = U @ w
    v[T] = 0.0
    e = np.zeros(len(w))
    dw = np.zeros(len(w))
    for t in range(T):
        e = gamma * lam * e + U[t]
        delta = r[t + 1] + gamma * v[t + 1] - v[t]
        dw += eps * delta * e
    return dw


@check("eq-td-lambda", kind="definition", oracle="forward view, the definition of what TD(lambda) "
       "does: eps sum_t (R^lam[t] - v[t]) u[t], with the lambda-returns looked ahead from the "
       "whole episode (Sutton's equivalence theorem)", rtol=1e-10, cases=_chain_cases)
def td_lambda_forward_view(U, r, w, gamma, lam, eps=0.1):
    T = len(r) - 1
    v = U @ w
    v[T] = 0.0
    G = _lambda_return_recursive(r, v, gamma, lam)
    return eps * (G - v[:T]) @ U[:T]


@check("eq-td-lambda", kind="special-case",
       oracle="lambda = 1, offline: the Monte Carlo update eps sum_t (R[t] - v[t]) u[t], with the "
              "return R by direct summation (math.fsum)", rtol=1e-10,
       cases=lambda rng: [c for c in _chain_cases(rng) if c.args[4] == 1.0]
       + [Case.of(c.args[0], c.args[1], c.args[2], c.args[3], 1.0,
                  name=c.name.replace(f"lambda = {c.args[4]}", "lambda = 1"))
          for c in _chain_cases(np.random.default_rng(11))[:3]])
def td_lambda_one_is_monte_carlo(U, r, w, gamma, lam, eps=0.1):
    T = len(r) - 1
    v = U @ w
    R = _return_by_fsum(r, gamma)
    return eps * (R[:T] - v[:T]) @ U[:T]


# =============================================================================================
# Online TD(lambda) in the conditioning trial (for the figure)


def td_lambda_trial(w, U, r, gamma, lam, eps):
    """One trial of online TD(lambda): like td_trial, but every error updates all units in
    proportion to their eligibility traces e[t] = gamma lam e[t - 1] + u[t]."""
    w = np.array(w, dtype=float)
    T = len(r) - 1
    v = np.zeros(T + 1)
    delta = np.zeros(T)
    e = np.zeros_like(w)
    v[0] = w @ U[0]
    for t in range(T):
        v[t + 1] = w @ U[t + 1] if t + 1 < T else 0.0
        delta[t] = r[t + 1] + gamma * v[t + 1] - v[t]
        e = gamma * lam * e + U[t]
        w = w + eps * delta[t] * e
    return w, v, delta
