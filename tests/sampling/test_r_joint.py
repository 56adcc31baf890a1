"""Joint and first-order inclusion probabilities of our draws against R's sampling package.

References are in tests/fixtures/r/sampling/ (script tests/fixtures/r/sampling.R):
``UPsampfordpi2`` and ``UPsystematicpi2`` give the exact joint probabilities pi_kl of
Sampford's and systematic sampling for a 10-unit frame with n = 4; ``up_frequencies.json``
holds R's own UPbrewer/UPsampford selection frequencies over 20,000 draws.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from survey_engine.sampling import inclusion_probabilities
from survey_engine.sampling.algorithms import brewer_mask, sampford_mask, systematic_mask

REPS = 20_000


@pytest.fixture(scope="module")
def ref(repo_dir):
    """R reference values for the 10-unit frame."""
    base = repo_dir / "tests" / "fixtures" / "r" / "sampling"
    return (json.loads((base / "pi2_small.json").read_text()),
            json.loads((base / "up_frequencies.json").read_text()))


def _joint_z(mask, pi2):
    m = mask.astype(np.float64)
    freq = m.T @ m / m.shape[0]
    pi2 = np.asarray(pi2)
    se = np.sqrt(pi2 * (1 - pi2) / m.shape[0])
    diff = freq - pi2
    return np.divide(diff, se, out=np.where(diff == 0, 0.0, np.inf), where=se > 0)


@pytest.mark.parametrize("method,key", [(sampford_mask, "sampford_pi2")])
def test_sampford_joint_probabilities_match_r(ref, method, key):
    """Pairwise selection frequencies of our Sampford draws are within 4 SE of R's UPsampfordpi2."""
    pi2_ref, _ = ref
    pik = inclusion_probabilities(pi2_ref["sizes"], pi2_ref["n"])
    mask = method(pik, np.random.default_rng(1), REPS)
    assert np.all(np.abs(_joint_z(mask, pi2_ref[key])) <= 4.0)


def test_systematic_joint_probabilities_match_r(ref):
    """Pairwise frequencies of our systematic PPS are within 4 SE of R's UPsystematicpi2 (zeros exact)."""
    pi2_ref, _ = ref
    pik = inclusion_probabilities(pi2_ref["sizes"], pi2_ref["n"])
    mask = systematic_mask(pik, None, np.random.default_rng(2), REPS)
    assert np.all(np.abs(_joint_z(mask, pi2_ref["systematic_pi2"])) <= 4.0)


def test_brewer_and_sampford_reach_the_same_pik_as_r(ref):
    """R's UPbrewer/UPsampford frequencies and ours are all within 4 SE of the same pik."""
    pi2_ref, freq = ref
    pik = inclusion_probabilities(pi2_ref["sizes"], pi2_ref["n"])
    np.testing.assert_allclose(pik, freq["pik"], rtol=1e-13)
    se = np.sqrt(pik * (1 - pik) / freq["reps"])
    for key, ours in (("brewer_freq", brewer_mask), ("sampford_freq", sampford_mask)):
        assert np.all(np.abs(np.asarray(freq[key]) - pik) <= 4 * se), key
        mine = ours(pik, np.random.default_rng(4), REPS).mean(axis=0)
        assert np.all(np.abs(mine - pik) <= 4 * np.sqrt(pik * (1 - pik) / REPS)), key


def test_single_draw_systematic_path_equals_the_dense_rule():
    """The binary-search path for one draw selects exactly the units of the floor rule, for the same starts."""
    from survey_engine.sampling import grouped_inclusion_probabilities
    from survey_engine.sampling.algorithms import EPS

    gen = np.random.default_rng(0)
    for trial in range(100):
        groups = np.sort(gen.integers(0, 4, 200))
        groups = np.unique(groups, return_inverse=True)[1]
        n_h = [int(gen.integers(0, c + 1)) for c in np.bincount(groups)]
        pik = grouped_inclusion_probabilities(gen.lognormal(0, 2, 200), groups, n_h)
        fast = systematic_mask(pik, groups, np.random.default_rng(trial), 1)[0]
        u = np.random.default_rng(trial).random(groups.max() + 1)
        certain = pik >= 1 - EPS
        live = np.where(certain | (pik <= EPS), 0.0, pik)
        within = np.concatenate([np.cumsum(live[groups == h]) for h in range(groups.max() + 1)])
        dense = (np.floor(within - u[groups]) > np.floor(within - live - u[groups])) | certain
        assert np.array_equal(fast, dense), trial
        assert np.bincount(groups, weights=fast).tolist() == n_h
