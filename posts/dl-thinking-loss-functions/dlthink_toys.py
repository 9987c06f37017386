"""Synthetic data sets for "DL Thinking: Designing the Loss Function", and how we score fits.

Each generator builds its data from a seeded numpy Generator, so every run of the post sees the
same spikes, the same noisy regression points, the same faces and the same two rings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# --------------------------------------------------------------------------------------------
# Problem 1: neurons of a cyclist
# --------------------------------------------------------------------------------------------


def _smooth(x, width):
    """Convolve with a unit-area Gaussian kernel of standard deviation ``width`` samples."""
    k = np.exp(-0.5 * (np.arange(-4 * width, 4 * width + 1) / width) ** 2)
    return np.convolve(x, k / k.sum(), mode="same")


@dataclass
class Cycling:
    dt: float               # simulation step, s (1 ms)
    t: np.ndarray           # simulation times, s
    phase: np.ndarray       # pedal angle, rad
    speed: np.ndarray       # pedalling speed, revolutions per second
    rate: np.ndarray        # true firing rate, Hz, shape (time, neurons)
    spike_times: list       # one array of spike times (s) per neuron


def simulate_cycling(duration=120.0, n_neurons=6, seed=0):
    """A rider pedals at a slowly varying speed; each neuron is tuned to the pedal angle.

    The rate is smooth (it follows the pedal, which moves on a scale of a few hundred ms) but
    every millisecond the neuron fires or not at random: a Bernoulli draw with probability
    rate·dt, which for rates far below 1000 Hz is a Poisson process.
    """
    rng = np.random.default_rng(seed)
    dt = 1e-3
    n = int(round(duration / dt))
    t = np.arange(n) * dt
    speed = 1.0 + 0.5 * np.tanh(30 * _smooth(rng.standard_normal(n), 2000))
    phase = 2 * np.pi * np.cumsum(speed) * dt
    preferred = rng.uniform(0, 2 * np.pi, n_neurons)
    kappa = rng.uniform(2.0, 5.0, n_neurons)       # sharpness of angle tuning
    peak = rng.uniform(10.0, 40.0, n_neurons)      # Hz at the preferred angle
    gain = rng.uniform(-1.0, 1.0, n_neurons)       # modulation by speed
    rate = peak * np.exp(kappa * (np.cos(phase[:, None] - preferred) - 1)
                         + gain * (speed[:, None] - 1))
    fired = rng.random(rate.shape) < rate * dt
    spike_times = [t[fired[:, i]] + dt * rng.random(fired[:, i].sum()) for i in range(n_neurons)]
    return Cycling(dt, t, phase, speed, rate, spike_times)


def bin_average(values, t, edges):
    """Average a densely sampled signal (time along axis 0) over each bin [edges[j], edges[j+1])."""
    idx = np.searchsorted(edges, t, side="right") - 1
    keep = (idx >= 0) & (idx < len(edges) - 1)
    values = values.reshape(len(t), -1)[keep]
    sums = np.zeros((len(edges) - 1, values.shape[1]))
    np.add.at(sums, idx[keep], values)
    counts = np.bincount(idx[keep], minlength=len(edges) - 1)[:, None]
    return sums / counts


def poisson_excess_nll(lam, k, true_lam):
    """Held-out Poisson NLL per bin of a fitted rate, minus that of the true rate (nats/bin)."""
    nll = lambda r: np.mean(r - k * np.log(r))
    return nll(lam) - nll(true_lam)


def gamma_poisson_counts(lam, r, rng):
    """Overdispersed counts with mean ``lam``: each bin's rate is multiplied by an independent
    gain drawn from a Gamma distribution of mean 1 and shape ``r`` (variance 1/r), as if the
    neuron's excitability drifted from bin to bin. The counts are negative binomial with mean λ
    and variance λ + λ²/r."""
    gain = rng.gamma(r, 1.0 / r, size=np.shape(lam))
    return rng.poisson(lam * gain).astype(float)


def variance_by_mean(mu, k, n_groups=10):
    """Group (bin, neuron) pairs by predicted mean ``mu`` into equal-count groups; return each
    group's mean prediction, mean count and count variance."""
    order = np.argsort(mu, axis=None, kind="stable")
    groups = np.array_split(order, n_groups)
    mu, k = mu.ravel(), k.ravel()
    return (np.array([mu[g].mean() for g in groups]), np.array([k[g].mean() for g in groups]),
            np.array([k[g].var(ddof=1) for g in groups]))


# --------------------------------------------------------------------------------------------
# Problem 2: noise that depends on the input
# --------------------------------------------------------------------------------------------


def true_mean(x):
    return np.sin(1.5 * x) + 0.3 * x


def true_sigma(x):
    return 0.05 + 0.25 * (1 + np.tanh(1.5 * x)) * np.abs(np.sin(x)) + 0.05 * x**2


def heteroscedastic(n, rng):
    """x uniform on [−3, 3]; y = μ(x) + σ(x)·ε with ε standard normal."""
    x = rng.uniform(-3.0, 3.0, n)
    return x, true_mean(x) + true_sigma(x) * rng.standard_normal(n)


def coverage_by_bin(x, y, mu, sigma, edges, z=2.0):
    """Fraction of points with |y − μ| < zσ inside each x-bin."""
    inside = np.abs(y - mu) < z * sigma
    idx = np.clip(np.digitize(x, edges) - 1, 0, len(edges) - 2)
    return np.array([inside[idx == j].mean() for j in range(len(edges) - 1)])


# --------------------------------------------------------------------------------------------
# Problem 3: faces from identities, pose and light
# --------------------------------------------------------------------------------------------


class FaceRenderer:
    """A fixed random nonlinear map from (identity, nuisance) latents to a 64-pixel 'photo'.

    Identity lives in 6 dimensions; pose and lighting in 6 more, with a larger spread, so two
    photos of the same person can be further apart in pixel space than photos of two people.
    """

    def __init__(self, d_id=6, d_nuisance=6, d_pixels=64, hidden=128, seed=0):
        rng = np.random.default_rng(seed)
        self.d_id, self.d_nuisance = d_id, d_nuisance
        self.W1 = rng.standard_normal((d_id + d_nuisance, hidden)) / np.sqrt(d_id + d_nuisance)
        self.W2 = rng.standard_normal((hidden, d_pixels)) / np.sqrt(hidden)

    def photos(self, n_people, n_photos, rng):
        """``n_photos`` photos of each of ``n_people`` new identities, and their labels."""
        identity = rng.standard_normal((n_people, self.d_id))
        label = np.repeat(np.arange(n_people), n_photos)
        jitter = 0.1 * rng.standard_normal((len(label), self.d_id))   # haircut, expression
        nuisance = 2.0 * rng.standard_normal((len(label), self.d_nuisance))  # pose, light
        latent = np.concatenate([identity[label] + jitter, nuisance], axis=1)
        pixels = np.tanh(1.5 * latent @ self.W1) @ self.W2
        pixels += 0.05 * rng.standard_normal(pixels.shape)            # sensor noise
        return (torch.tensor(pixels, dtype=torch.float32), torch.tensor(label))


def one_shot_accuracy(emb, label):
    """One photo per person goes into the gallery; every other photo is identified by its
    nearest gallery neighbour (Euclidean). Returns the fraction identified correctly."""
    label = np.asarray(label)
    gallery = np.array([np.flatnonzero(label == c)[0] for c in np.unique(label)])
    query = np.setdiff1d(np.arange(len(label)), gallery)
    d = torch.cdist(emb[query], emb[gallery])
    return float((label[gallery][d.argmin(dim=1).numpy()] == label[query]).mean())


def nn_margins(emb, label):
    """Per photo, in squared Euclidean distance (the triplet loss's units): the distance to the
    nearest photo of anyone else minus that to the nearest other photo of the same person.
    Positive: the photo's nearest neighbour is the same person."""
    label = np.asarray(label)
    d = torch.cdist(emb, emb).double().numpy() ** 2
    np.fill_diagonal(d, np.inf)
    same = label[:, None] == label[None, :]
    return np.where(~same, d, np.inf).min(axis=1) - np.where(same, d, np.inf).min(axis=1)


def pca_2d(emb):
    """Project rows onto their two leading principal components."""
    e = emb - emb.mean(dim=0)
    _, _, v = torch.linalg.svd(e, full_matrices=False)
    return (e @ v[:2].T).numpy()


# --------------------------------------------------------------------------------------------
# Problem 4: a ring and an ellipse, unpaired
# --------------------------------------------------------------------------------------------

ELLIPSE_AXES = (2.0, 0.6)


def ring(n, gen):
    """Domain X: a noisy unit circle. Returns points and their angles (used only for colour)."""
    theta = torch.rand(n, generator=gen) * 2 * np.pi
    r = 1 + 0.05 * torch.randn(n, generator=gen)
    return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1), theta


def ellipse(n, gen):
    """Domain Y: a noisy ellipse with semi-axes 2 and 0.6."""
    theta = torch.rand(n, generator=gen) * 2 * np.pi
    r = 1 + 0.05 * torch.randn(n, generator=gen)
    a, b = ELLIPSE_AXES
    return torch.stack([a * r * torch.cos(theta), b * r * torch.sin(theta)], dim=1), theta


def ellipse_radius_error(points):
    """Mean |ρ − 1| where ρ is a point's radius in the ellipse's own coordinates: 0.04 for
    samples of Y itself, larger when a map misses the ellipse."""
    a, b = ELLIPSE_AXES
    rho = torch.sqrt((points[:, 0] / a) ** 2 + (points[:, 1] / b) ** 2)
    return float((rho - 1).abs().mean())


def mlp(width=32, out=2):
    return torch.nn.Sequential(
        torch.nn.Linear(2, width), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(width, width), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(width, out))
