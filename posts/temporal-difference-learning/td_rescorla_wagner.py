"""Code counterparts and checks for "Temporal Difference Learning": the Rescorla-Wagner rule.

Each display equation of this part of the post has one function here marked ``@equation`` (the
formula as written) and one or more ``@check`` functions that get the same answer another way:
automatic differentiation, a closed form, a theorem about the rule, or a simulation. Returns and
temporal-difference learning are in td_learning.py.
"""

import numpy as np

from folio import Case, Estimate, check, equation


# =============================================================================================
# The Rescorla-Wagner rule


@equation("eq-rw-value", equivalent={
    "swap-args#1": "the dot product is symmetric: w · u = u · w"})
def rw_value(w, u):
    """Predicted reward: the dot product of the weights with the stimulus vector."""
    return np.dot(w, u)


@check("eq-rw-value", kind="definition",
       oracle="the prediction as the model states it for stimuli that are on or off: the sum of "
              "the weights of the stimuli present, picked out by boolean indexing (no products)",
       rtol=1e-12,
       cases=lambda rng: [(rng.standard_normal(d), rng.integers(0, 2, d).astype(float))
                          for d in (1, 2, 3, 5, 8)]
       + [Case.of(rng.standard_normal(4), np.ones(4), name="every stimulus present"),
          Case.of(np.array([0.7, -0.3]), np.zeros(2), name="no stimulus present")])
def rw_value_by_present_weights(w, u):
    return float(np.sum(w[np.asarray(u) == 1.0]))


def _single_graded_stimulus(rng):
    cases = []
    for d, i in [(1, 0), (3, 1), (5, 4)]:
        u = np.zeros(d)
        u[i] = rng.uniform(0.1, 3.0)
        cases.append(Case.of(rng.standard_normal(d), u, name=f"{d} stimuli, only #{i} on, graded"))
    return cases


@check("eq-rw-value", kind="special-case",
       oracle="a single stimulus at intensity c with weight w_i predicts c w_i (graded intensities)",
       rtol=1e-12, cases=_single_graded_stimulus)
def rw_value_single_stimulus(w, u):
    i = int(np.flatnonzero(u)[0])
    return u[i] * w[i]


@equation("eq-rw-error")
def rw_error(r, v):
    """Prediction error: the reward that came minus the reward that was predicted."""
    return r - v


@check("eq-rw-error", kind="definition", relation=True, rtol=1e-12,
       oracle="what the error is for: the prediction plus the error is the reward that came, "
              "v + delta = r, so delta > 0 exactly when the reward beats the prediction",
       cases=lambda rng: [tuple(rng.standard_normal(2)) for _ in range(5)]
       + [Case.of(1.0, 1.0, name="perfect prediction"), Case.of(0.0, 0.8, name="omitted reward"),
          Case.of(2.0, 0.5, name="better than predicted")])
def prediction_plus_error_is_reward(rw_error_fn, r, v):
    d = rw_error_fn(r, v)
    return np.array([v + d, np.sign(d)]), np.array([r, np.sign(r - v) if r != v else 0.0])


@equation("eq-rw-update", equivalent={
    "swap-args#2": "rw_value is a dot product, symmetric in its two arguments"})
def rw_update(w, u, r, eps):
    """One Rescorla-Wagner trial: w + eps * delta * u."""
    delta = rw_error(r, rw_value(w, u))
    return w + eps * delta * u


def _rw_cases(rng):
    cases = []
    for d in (1, 2, 3, 4):
        cases.append((rng.standard_normal(d), rng.integers(0, 2, d).astype(float),
                      float(rng.standard_normal()), float(rng.uniform(0.01, 1))))
    cases.append(Case.of(np.array([0.4, -0.2, 0.1]), rng.uniform(0, 2, 3), 1.0, 0.3,
                         name="graded stimulus intensities"))
    cases.append(Case.of(np.array([1.0, 0.0]), np.array([1.0, 1.0]), 1.0, 0.2,
                         name="blocking: reward already predicted"))
    return cases


@check("eq-rw-update", kind="autograd", oracle="one step of gradient descent on (r - w.u)^2 / 2 with step size "
       "epsilon, gradient by torch autograd", rtol=1e-12, cases=_rw_cases)
def rw_update_by_autograd(w, u, r, eps):
    import torch

    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    loss = 0.5 * (r - wt @ torch.tensor(u, dtype=torch.float64)) ** 2
    loss.backward()
    return (wt - eps * wt.grad).detach().numpy()


def run_rw(w0, trials, eps):
    """Apply the Rescorla-Wagner rule over a list of (u, r) trials; return the weight history."""
    w = np.array(w0, dtype=float)
    history = [w]
    for u, r in trials:
        w = rw_update(w, np.asarray(u, dtype=float), r, eps)
        history.append(w)
    return np.array(history)


def paradigm(name, r=1.0, n1=60, n2=60):
    """Two-stimulus trial lists for the five conditioning paradigms, as (u, r) pairs.

    Returns the trials and the index at which stage 2 starts (None for one-stage paradigms).
    Stimulus vectors are u = (u1, u2).
    """
    s1, s2, both = (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)
    if name == "Pavlovian":
        return [(s1, r)] * (n1 + n2), None
    if name == "extinction":
        return [(s1, r)] * n1 + [(s1, 0.0)] * n2, n1
    if name == "blocking":
        return [(s1, r)] * n1 + [(both, r)] * n2, n1
    if name == "inhibitory":
        # s1 alone is rewarded, s1 together with s2 is not; the two kinds of trial alternate.
        return [(s1, r), (both, 0.0)] * ((n1 + n2) // 2), None
    if name == "secondary":
        # Stage 2: s2 is followed by s1 and no reward. Without time, RW sees both stimuli at once.
        return [(s1, r)] * n1 + [(both, 0.0)] * n2, n1
    raise ValueError(name)


PARADIGMS = ("Pavlovian", "extinction", "blocking", "inhibitory", "secondary")


@check("eq-rw-update", kind="special-case", oracle="exact case: once w1 = r, compound trials s1 + s2 -> r give "
       "delta = 0 exactly, so w2 stays exactly 0 (blocking)", rtol=0.0, atol=0.0, relation=True,
       cases=[Case.of(1.0, 0.1, name="r = 1, eps = 0.1"), Case.of(2.5, 0.5, name="r = 2.5"),
              Case.of(-0.75, 0.9, name="aversive r < 0"), Case.of(1.0, 1.0, name="eps = 1")])
def blocking_is_exact(rw_update_fn, r, eps):
    w = np.array([r, 0.0])
    traj = [w]
    for _ in range(200):
        w = rw_update_fn(w, np.array([1.0, 1.0]), r, eps)
        traj.append(w)
    return np.array(traj)[:, 1], np.zeros(201)


def _compound_closed_form(a, r, eps, n):
    # Compound trials u = (1, 1) with reward r, starting from w = (a, 0). The update is along
    # (1, 1), so w1 - w2 = a is conserved and the sum obeys S_n = r + (a - r)(1 - 2 eps)^n.
    s = r + (a - r) * (1 - 2 * eps) ** np.arange(n + 1)
    return np.stack([(s + a) / 2, (s - a) / 2], axis=1)


@check("eq-rw-update", kind="special-case", oracle="closed form for compound trials from w = (a, 0): w1 - w2 = a is "
       "conserved and w1 + w2 = r + (a - r)(1 - 2 eps)^n; secondary conditioning (r = 0) "
       "gives w2 -> -a/2", rtol=1e-12, relation=True,
       cases=[Case.of(1.0, 0.0, 0.1, name="secondary: w2 -> -1/2"),
              Case.of(0.8, 1.0, 0.1, name="partial blocking, w1 = 0.8"),
              Case.of(0.0, 1.0, 0.25, name="overshadowing from scratch"),
              Case.of(2.0, 0.0, 0.45, name="secondary, large eps")])
def compound_trials_closed_form(rw_update_fn, a, r, eps):
    w = np.array([a, 0.0])
    traj = [w]
    for _ in range(80):
        w = rw_update_fn(w, np.array([1.0, 1.0]), r, eps)
        traj.append(w)
    return np.array(traj), _compound_closed_form(a, r, eps, 80)


@check("eq-rw-update", kind="library", oracle="fixed point <u u^T>^{-1} <r u> = (r, -r) of alternating "
       "s1 -> r and s1 + s2 -> 0 trials, solved with numpy.linalg.solve", rtol=1e-11,
       relation=True,
       cases=[Case.of(1.0, 0.1, name="r = 1"), Case.of(-2.0, 0.3, name="r = -2"),
              Case.of(0.5, 0.6, name="r = 0.5, eps = 0.6")])
def inhibitory_fixed_point(rw_update_fn, r, eps):
    w = np.zeros(2)
    for _ in range(1500):
        w = rw_update_fn(w, np.array([1.0, 0.0]), r, eps)
        w = rw_update_fn(w, np.array([1.0, 1.0]), 0.0, eps)
    us = np.array([[1.0, 0.0], [1.0, 1.0]])
    rs = np.array([r, 0.0])
    return w, np.linalg.solve(us.T @ us / 2, us.T @ rs / 2)


@equation("eq-rw-approach")
def rw_approach(w0, r, eps, n):
    """Closed form of the weight after n rewarded trials with u = 1: r + (w0 - r)(1 - eps)^n."""
    return r + (w0 - r) * (1 - eps) ** np.asarray(n, dtype=float)


@check("eq-rw-approach", kind="simulation",
       oracle="simulation: the Rescorla-Wagner rule (eq-rw-update, u = 1) run trial by trial",
       rtol=1e-12,
       cases=lambda rng: [(float(rng.standard_normal()), float(rng.standard_normal()),
                           float(rng.uniform(0.01, 1)), np.arange(60)) for _ in range(4)]
       + [Case.of(1.0, 0.0, 0.1, np.arange(60), name="extinction (r = 0)"),
          Case.of(0.0, 1.0, 1.0, np.arange(5), name="eps = 1: learned in one trial"),
          Case.of(0.3, 1.0, 0.0, np.arange(5), name="eps = 0: no learning"),
          Case.of(0.0, 1.0, 1.6, np.arange(40), name="eps = 1.6: overshoots, still converges")])
def rw_approach_by_iteration(w0, r, eps, n):
    out, w = [], np.array([w0], dtype=float)
    for k in range(int(np.max(n)) + 1):
        out.append(w[0])
        w = rw_update(w, np.ones(1), r, eps)
    return np.array(out)[np.asarray(n)]


@equation("eq-rw-fixed-point")
def rw_fixed_point(u_vals, r_vals, probs):
    """<r u> / <u^2> for a discrete joint distribution of stimulus intensity and reward."""
    p = np.asarray(probs, dtype=float)
    return np.sum(p * r_vals * u_vals) / np.sum(p * u_vals ** 2)


def simulate_rw_stochastic(u_vals, r_vals, probs, eps, n_trials, n_runs, seed=0):
    """Independent runs of the scalar RW rule with (u, r) drawn afresh on every trial.

    Returns the weight of every run after every trial, shape (n_trials + 1, n_runs). Written
    out (rather than calling rw_update) so that it can serve as an independent oracle.
    """
    rng = np.random.default_rng(seed)
    w = np.zeros(n_runs)
    out = [w]
    for _ in range(n_trials):
        k = rng.choice(len(probs), size=n_runs, p=probs)
        u, r = u_vals[k], r_vals[k]
        w = w + eps * (r - w * u) * u
        out.append(w)
    return np.array(out)


def _joint_distributions(rng):
    cases = []
    for _ in range(3):
        u = np.array([0.0, 0.5, 1.0, 2.0])
        r = rng.normal(1.0, 1.0, 4)
        p = rng.dirichlet(np.ones(4))
        cases.append(Case.of(u, r, p, name="graded u, random rewards"))
    cases.append(Case.of(np.array([1.0, 1.0]), np.array([1.0, 0.0]), np.array([0.3, 0.7]),
                         name="always present, rewarded 30% of trials: <r>"))
    cases.append(Case.of(np.array([0.0, 1.0, 1.0]), np.array([5.0, 2.0, 0.0]),
                         np.array([0.5, 0.25, 0.25]),
                         name="reward without the stimulus is invisible"))
    return cases


@check("eq-rw-fixed-point", kind="simulation", oracle="simulation: the weight after 400 trials (eps = 0.05), "
       "averaged over 4000 independent runs; 5 standard errors. The mean's finite-trial bias, "
       "a fraction (1 - eps <u^2>)^400 of the limit, is at most 4e-5 for these cases", cases=_joint_distributions)
def rw_fixed_point_by_simulation(u_vals, r_vals, probs):
    final = simulate_rw_stochastic(u_vals, r_vals, probs, eps=0.05, n_trials=400,
                                   n_runs=4000)[-1]
    return Estimate(final.mean(), final.std(ddof=1) / np.sqrt(final.size))
