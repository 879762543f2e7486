"""Transaction simulator: the handbook's generative model, deterministic and vectorised.

Entry points: :func:`generate_history` (a labelled history, :mod:`~fraudd.simulator.dataset`),
:class:`LiveSimulator` (the same timeline continued on a simulated clock,
:mod:`~fraudd.simulator.continuation`), :func:`write_csv` / :func:`write_handbook_csv`.
"""

from fraudd.records import SCHEMA_VERSION  # the version of the record the simulator sends
from fraudd.simulator.continuation import LiveSimulator
from fraudd.simulator.csvio import (
    FRAUDD_COLUMNS,
    HANDBOOK_COLUMNS,
    read_csv,
    write_csv,
    write_handbook_csv,
)
from fraudd.simulator.dataset import generate_history
from fraudd.simulator.frame import (
    COLUMNS,
    CURRENCY,
    LABEL_COLUMNS,
    STREAM_COLUMNS,
    split_labels,
)
from fraudd.simulator.profiles import Profiles, make_profiles
from fraudd.simulator.timeline import SimulationSpec, Timeline

__all__ = [
    "COLUMNS",
    "CURRENCY",
    "FRAUDD_COLUMNS",
    "HANDBOOK_COLUMNS",
    "LABEL_COLUMNS",
    "SCHEMA_VERSION",
    "STREAM_COLUMNS",
    "LiveSimulator",
    "Profiles",
    "SimulationSpec",
    "Timeline",
    "generate_history",
    "make_profiles",
    "read_csv",
    "split_labels",
    "write_csv",
    "write_handbook_csv",
]
