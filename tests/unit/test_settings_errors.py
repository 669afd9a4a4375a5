"""Settings fail where they are read, with the variable and the value: a wrong environment is a one-line error at
config time, not an empty partition range or a source that fails after the others have loaded."""
from datetime import date

import pytest

from paddock import settings


def test_the_history_window_must_run_forward(monkeypatch):
    monkeypatch.setenv("PADDOCK_HISTORY_START", "2025-01-02")
    monkeypatch.setenv("PADDOCK_HISTORY_END", "2025-01-01")
    with pytest.raises(settings.SettingsError, match=r"^PADDOCK_HISTORY_START=2025-01-02 is after "
                                                     r"PADDOCK_HISTORY_END=2025-01-01$"):
        settings.history_start()
    monkeypatch.setenv("PADDOCK_HISTORY_END", "2025-01-02")  # a one-day window is fine
    assert settings.history_window() == (date(2025, 1, 2), date(2025, 1, 2))


@pytest.mark.parametrize("raw, unknown", [("synthetic,kagle_hk", "'kagle_hk'"), ("HKJC", "'HKJC'"),
                                          (" , ", "(none given)")])
def test_unknown_sources_are_named_with_the_valid_ones(monkeypatch, raw, unknown):
    monkeypatch.setenv("PADDOCK_SOURCES", raw)
    with pytest.raises(settings.SettingsError) as caught:
        settings.check()
    assert str(caught.value) == (f"PADDOCK_SOURCES={raw!r}: unknown source(s) {unknown}; "
                                 "valid names: hkjc, kaggle_hk, synthetic")


def test_known_sources_pass(monkeypatch):
    monkeypatch.setenv("PADDOCK_SOURCES", "synthetic, hkjc")
    assert settings.sources() == ["synthetic", "hkjc"]


def test_a_seed_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("PADDOCK_SYNTHETIC_SEED", "seven")
    with pytest.raises(settings.SettingsError, match=r"^PADDOCK_SYNTHETIC_SEED='seven' is not an integer$"):
        settings.check()
