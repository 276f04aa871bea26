"""Area units used in Chinese land administration.

1 mu (亩) = 10000/15 m² ≈ 666.667 m²; 1 hectare (公顷) = 15 mu.
"""

from __future__ import annotations

M2_PER_MU = 10_000 / 15
M2_PER_HA = 10_000.0


def m2_to_mu(m2: float) -> float:
    """Square metres to mu."""
    return m2 / M2_PER_MU


def mu_to_m2(mu: float) -> float:
    """Mu to square metres."""
    return mu * M2_PER_MU


def m2_to_ha(m2: float) -> float:
    """Square metres to hectares."""
    return m2 / M2_PER_HA
