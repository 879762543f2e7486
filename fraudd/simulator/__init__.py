"""Transaction simulator: the handbook's generative model, deterministic and vectorised, and
(``SimulationSpec(fraud="extended")``) cardholders with habits and the issuer's kinds of fraud.

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
from fraudd.simulator.issuer_frauds import CARD_COMPROMISES, SCENARIOS
from fraudd.simulator.profiles import Profiles, make_profiles
from fraudd.simulator.timeline import FRAUD_MODES, SimulationSpec, Timeline

__all__ = [
    "CARD_COMPROMISES",
    "COLUMNS",
    "CURRENCY",
    "FRAUDD_COLUMNS",
    "FRAUD_MODES",
    "HANDBOOK_COLUMNS",
    "LABEL_COLUMNS",
    "SCENARIOS",
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
