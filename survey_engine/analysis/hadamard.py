"""Hadamard matrices (0/1 coding) for balanced repeated replication.

Constructions: Sylvester doubling H → [[H, H], [H, 1−H]] and Paley's quadratic-residue
construction for primes p ≡ 3 (mod 4) (Paley 1933; Wolter 2007, §3.4).  The choice of
order follows R's ``survey::hadamard``, so the matrix is R's for every number of strata except
24–27 and 32–35 (R uses stored matrices of order 28 and 36; ours have order 32 and 64); pass
``hadamard_matrix=`` to reproduce another program's replicates exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hadamard", "paley", "is_hadamard"]


def _is_prime(p: int) -> bool:
    if p < 2:
        return False
    return all(p % d for d in range(2, int(p**0.5) + 1))


def paley(prime: int) -> np.ndarray:
    """Paley's (p+1)×(p+1) 0/1 Hadamard matrix for a prime p ≡ 3 (mod 4) (as R's ``paley``)."""
    p = prime
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    residues = np.unique((np.arange(1, (p - 1) // 2 + 1) ** 2) % p)
    residues = np.concatenate(([0], residues))
    out = np.where(np.isin(m, residues), 0, 1)
    top = np.ones((1, p), dtype=int)
    body = np.vstack([top, out])
    return np.hstack([np.ones((p + 1, 1), dtype=int), body])


def _double(h: np.ndarray) -> np.ndarray:
    return np.vstack([np.hstack([h, h]), np.hstack([h, 1 - h])])


def _sylvester(order: int) -> np.ndarray:
    h = np.ones((1, 1), dtype=int)
    while h.shape[0] < order:
        h = _double(h)
    return h


def _paley_at_least(n: int) -> np.ndarray | None:
    """R's ``paley(n)`` search: a Paley matrix (possibly doubled) of order > n, or None."""
    nceil = n + 4 - (n % 4)
    nn = nceil
    if (n % 4) + 4 == (n % 8):
        while nn % 8 == 0:
            nn //= 2
        if _is_prime(nn - 1) and (nn - 1) % 4 == 3:
            m = paley(nn - 1)
            while nn < nceil:
                m = _double(m)
                nn *= 2
            return m
    p = n if n % 2 else n + 1
    while not (_is_prime(p) and p % 4 == 3):
        p += 2
    if p + 1 > nceil + 4:
        return None
    return paley(p)


def hadamard(n_strata: int) -> np.ndarray:
    """A 0/1 Hadamard matrix with more than ``n_strata`` rows (the first row is all ones)."""
    m = n_strata - n_strata % 4
    if m < 4:
        return _sylvester(4)
    power = 1
    while power <= n_strata:
        power *= 2
    candidates = [_sylvester(power)]
    found = _paley_at_least(n_strata)
    if found is not None:
        candidates.append(found)
    return min(candidates, key=lambda h: h.shape[0])


def is_hadamard(h: np.ndarray) -> bool:
    """True when the ±1 version of the 0/1 matrix ``h`` has orthogonal columns."""
    s = 2 * np.asarray(h, dtype=float) - 1
    return bool(np.allclose(s.T @ s, s.shape[0] * np.eye(s.shape[1])))
