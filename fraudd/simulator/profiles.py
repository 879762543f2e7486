"""Customer and terminal profiles of the handbook's simulator, and who may use which terminal.

Handbook model: customers at (x, y) ~ U(0,100)², mean amount ~ U(5,100), std = mean / 2, mean
number of transactions per day ~ U(0,4); terminals at (x, y) ~ U(0,100)². A customer uses the
terminals at Euclidean distance < r. The availability lists are kept CSR-style (one offsets
array, one flat indices array) so that a day of transactions can be drawn with array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from fraudd.simulator.merchants import draw_merchant_attributes

GRID_SIZE = 100.0
"""Side of the square map on which customers and terminals live."""


@dataclass(frozen=True, eq=False)
class Profiles:
    """Customer and terminal tables as arrays indexed by id (ids are ``0..n-1``)."""

    customer_x: np.ndarray
    customer_y: np.ndarray
    mean_amount: np.ndarray
    std_amount: np.ndarray
    mean_nb_tx_per_day: np.ndarray
    terminal_x: np.ndarray
    terminal_y: np.ndarray
    merchant_category: np.ndarray
    channel: np.ndarray
    available_offsets: np.ndarray
    """Customer ``c`` uses the terminals ``available_terminals[offsets[c] : offsets[c + 1]]``."""
    available_terminals: np.ndarray
    radius: float

    @property
    def n_customers(self) -> int:
        """Number of customers."""
        return int(self.customer_x.size)

    @property
    def n_terminals(self) -> int:
        """Number of terminals."""
        return int(self.terminal_x.size)

    @property
    def nb_available(self) -> np.ndarray:
        """Number of terminals each customer may use."""
        return np.diff(self.available_offsets)

    def terminals_of(self, customer_id: int) -> np.ndarray:
        """Terminals customer ``customer_id`` may use, in increasing id order."""
        lo, hi = self.available_offsets[customer_id], self.available_offsets[customer_id + 1]
        return self.available_terminals[lo:hi]


def make_profiles(
    n_customers: int, n_terminals: int, radius: float, rng: np.random.Generator
) -> Profiles:
    """Draw the handbook's customer and terminal profiles and the availability lists.

    Customers, terminal positions and merchant attributes come from separate child streams of
    ``rng``, so e.g. changing the number of customers does not move the terminals.
    """
    if n_customers < 1 or n_terminals < 1 or not radius > 0:
        raise ValueError("need at least one customer and one terminal, and a positive radius")
    customer_rng, terminal_rng, merchant_rng = rng.spawn(3)
    cx = customer_rng.uniform(0, GRID_SIZE, n_customers)
    cy = customer_rng.uniform(0, GRID_SIZE, n_customers)
    mean_amount = customer_rng.uniform(5, 100, n_customers)
    mean_nb = customer_rng.uniform(0, 4, n_customers)
    tx = terminal_rng.uniform(0, GRID_SIZE, n_terminals)
    ty = terminal_rng.uniform(0, GRID_SIZE, n_terminals)
    mcc, channel = draw_merchant_attributes(n_terminals, merchant_rng)
    offsets, indices = available_terminals(cx, cy, tx, ty, radius)
    return Profiles(
        customer_x=cx,
        customer_y=cy,
        mean_amount=mean_amount,
        std_amount=mean_amount / 2,
        mean_nb_tx_per_day=mean_nb,
        terminal_x=tx,
        terminal_y=ty,
        merchant_category=mcc,
        channel=channel,
        available_offsets=offsets,
        available_terminals=indices,
        radius=float(radius),
    )


def available_terminals(
    cx: np.ndarray, cy: np.ndarray, tx: np.ndarray, ty: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists of the terminals strictly closer than ``radius`` to each customer.

    Returns ``(offsets, indices)``; each customer's slice is sorted by terminal id.
    """
    tree = cKDTree(np.column_stack([tx, ty]))
    hits = tree.query_ball_point(np.column_stack([cx, cy]), r=radius, return_sorted=True)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    flat = np.fromiter((t for h in hits for t in h), dtype=np.int64, count=int(counts.sum()))
    owner = np.repeat(np.arange(cx.size), counts)
    # query_ball_point includes the boundary; the handbook's test is a strict "<".
    keep = np.hypot(cx[owner] - tx[flat], cy[owner] - ty[flat]) < radius
    offsets = np.zeros(cx.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[keep], minlength=cx.size), out=offsets[1:])
    return offsets, flat[keep]
