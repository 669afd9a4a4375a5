"""The source registry: the names the orchestration layer configures map to classes, and a typo says what exists."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingestion.errors import IngestionError, SourceNotFoundError
from ingestion.sources import SOURCES, UnknownSourceError, get_source
from ingestion.sources.base import HistoricalSource
from ingestion.sources.common import SHARED_DATA, make_race_id, to_decimal
from ingestion.sources.hkjc import HKJCResultsSource
from ingestion.sources.kaggle_hk import KaggleHKSource
from ingestion.sources.synthetic import SyntheticSource


def test_registry_names_and_classes():
    assert SOURCES == {"synthetic": SyntheticSource, "kaggle_hk": KaggleHKSource, "hkjc": HKJCResultsSource}
    for name, cls in SOURCES.items():
        assert issubclass(cls, HistoricalSource) and cls.name == name


def test_get_source_passes_config():
    source = get_source("synthetic", seed=3, start=date(2024, 2, 1), end=date(2024, 2, 29))
    assert isinstance(source, SyntheticSource)
    assert (source.seed, source.start, source.end) == (3, date(2024, 2, 1), date(2024, 2, 29))
    assert get_source("kaggle_hk", data_dir=Path("/x")).data_dir == Path("/x")
    assert get_source("hkjc").data_dir == SHARED_DATA / "hkjc-results"


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownSourceError) as err:
        get_source("kagle_hk")
    assert str(err.value) == "unknown source 'kagle_hk'; valid names: hkjc, kaggle_hk, synthetic"
    assert isinstance(err.value, IngestionError) and isinstance(err.value, ValueError)


def test_default_data_dirs_point_beside_the_project():
    project = Path(__file__).resolve().parents[2]
    assert SHARED_DATA == project.parent / "shared" / "data"
    assert KaggleHKSource().data_dir == project.parent / "shared" / "data" / "kaggle-hk"


@pytest.mark.parametrize("name", ["kaggle_hk", "hkjc"])
def test_file_sources_raise_not_found_for_a_missing_dir(name, tmp_path):
    source = get_source(name, data_dir=tmp_path / "absent")
    with pytest.raises(SourceNotFoundError) as err:
        source.read(date(2010, 1, 1), date(2010, 1, 2))
    assert err.value.source == name and err.value.path == str(tmp_path / "absent")


def test_common_helpers():
    assert make_race_id("ST", date(2008, 9, 15), 3) == "ST-20080915-03"
    assert make_race_id("ST", date(2008, 9, 15), "x") == "ST-20080915-x"
    assert to_decimal(9.7) == to_decimal("9.7") == to_decimal(" 9.70 ") and str(to_decimal(9.7)) == "9.7"
    assert [to_decimal(v) for v in ("", "abc", None, float("nan"), True)] == [None] * 5
