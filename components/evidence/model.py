"""The validated evidence base as one immutable bundle, and the error that lists what is wrong.

Every layer above reads an `Evidence`; only the loader (components/evidence/loader.py) makes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from components.evidence.files import Problem


class EvidenceError(Exception):
    """The data failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the data:\n" + "\n".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class Evidence:
    """The validated evidence base. Treat every frame as read-only: it is shared by all sessions."""

    studies: pd.DataFrame
    outcomes: pd.DataFrame
    mechanisms: pd.DataFrame
    adverse_events: pd.DataFrame
    registered_trials: pd.DataFrame
    claims: pd.DataFrame
    meta_analyses: pd.DataFrame
    curation_log: pd.DataFrame
    risk_of_bias: pd.DataFrame
    meta_analysis_trials: pd.DataFrame
    screening_log: pd.DataFrame
    benefit_states: pd.DataFrame
    vocab: dict[str, pd.DataFrame]
    dictionary: dict
    version: dict
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, vocabulary: str, item_id: str) -> str:
        """The human label of a vocabulary id ('' stays '', unknown ids show as themselves)."""
        if not item_id:
            return ""
        return self.labels.get(vocabulary, {}).get(item_id, item_id)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)
