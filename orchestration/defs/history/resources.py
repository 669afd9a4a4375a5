"""Which historical sources feed each race-date partition, configured from the environment."""
from datetime import date
from pathlib import Path

import dagster as dg

from ingestion.sources import get_source
from ingestion.sources.base import HistoricalSource
from paddock import settings


class HistorySourcesResource(dg.ConfigurableResource):
    """Comma-separated source names plus the few settings those sources take."""

    sources: str = "synthetic"
    synthetic_seed: int = 7
    synthetic_start: str = "2024-01-01"
    synthetic_end: str = "2025-12-31"
    kaggle_hk_dir: str = ""
    hkjc_results_dir: str = ""
    quarantine_warnings: bool = False

    def build(self) -> list[HistoricalSource]:
        config = {
            "synthetic": {
                "seed": self.synthetic_seed,
                "start": date.fromisoformat(self.synthetic_start),
                "end": date.fromisoformat(self.synthetic_end),
            },
            "kaggle_hk": {"data_dir": Path(self.kaggle_hk_dir)} if self.kaggle_hk_dir else {},
            "hkjc": {"data_dir": Path(self.hkjc_results_dir)} if self.hkjc_results_dir else {},
        }
        names = [n.strip() for n in self.sources.split(",") if n.strip()]
        return [get_source(name, **config.get(name, {})) for name in names]


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "history_sources": HistorySourcesResource(
                sources=",".join(settings.sources()),
                synthetic_seed=settings.synthetic_seed(),
                synthetic_start=settings.history_start().isoformat(),
                synthetic_end=settings.history_end().isoformat(),
                kaggle_hk_dir=str(settings.kaggle_hk_dir()),
                hkjc_results_dir=str(settings.hkjc_results_dir()),
                quarantine_warnings=settings.quarantine_warnings(),
            )
        }
    )
