"""What every HTML parser needs: fallback selectors, required-vs-optional fields, the typed error naming the site.

Sites redesign pages; trying a short list of selectors (the current one first) keeps a parser working through small
changes, and a required field that none of them finds fails loudly with the site, URL, field and selectors tried,
instead of producing a row with a silent hole. Optional fields simply come back as None.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from bs4 import BeautifulSoup, Tag

from ingestion.errors import ParseError
from ingestion.normalize import UnrecognisedValue

T = TypeVar("T")


class MissingField(ParseError):
    """A required field is absent from a page: names the site, URL, field and what was tried."""

    def __init__(self, site: str, url: str, field: str, tried: Sequence[str] = ()):
        self.site, self.url, self.tried = site, url, tuple(tried)
        super().__init__(None, field, f"{site} page {url}")
        self.args = (f"{site}: required field {field!r} missing on {url}"
                     + (f" (tried: {'; '.join(self.tried)})" if self.tried else ""),)

    def __str__(self) -> str:
        return self.args[0]


def soup(text: str) -> BeautifulSoup:
    """The stdlib parser: no lxml dependency, and the saved pages parse the same with it."""
    return BeautifulSoup(text, "html.parser")


def clean(text: str | None) -> str | None:
    """Collapse whitespace (incl. non-breaking spaces); empty text is None, i.e. "not on the page"."""
    if text is None:
        return None
    out = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
    return out or None


def first(node: Tag, selectors: Sequence[str]) -> Tag | None:
    """The first element matched by the first selector that matches anything."""
    for selector in selectors:
        found = node.select_one(selector)
        if found is not None:
            return found
    return None


def text_of(node: Tag, selectors: Sequence[str], attr: str | None = None) -> str | None:
    """Text (or ``attr``) of the first selector giving a non-empty value; selectors are fallbacks, in order."""
    for selector in selectors:
        for found in node.select(selector):
            value = clean(found.get(attr) if attr else found.get_text(" "))
            if value:
                return value
    return None


def required(value: T | None, site: str, url: str, field: str, tried: Sequence[str] = ()) -> T:
    if value is None or value == "":
        raise MissingField(site, url, field, tried)
    return value


def convert(fn: Callable[..., T], value: object, site: str, url: str) -> T:
    """Run a normalizer with ``where`` naming the site and URL, so its error says which page held the value."""
    return fn(value, where=f"{site} page {url}")


def optional(fn: Callable[..., T], value: object | None, site: str, url: str) -> T | None:
    """None stays None (optional field absent); a value present but unrecognised still raises."""
    return None if value is None else convert(fn, value, site, url)


def to_date(value: object, site: str, url: str, field: str) -> date:
    """An ISO date ("2026-06-06"); anything else, 2026-02-30 included, raises naming the field and page."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else date.fromisoformat("not a date")
    except ValueError:
        raise UnrecognisedValue(value, field, ["2026-06-06 (ISO date)"], f"{site} page {url}") from None


def to_money(value: str, site: str, url: str, field: str) -> Decimal:
    """"$1,234.50" / "HK$ 1,170,000" -> Decimal; text with no single number in it raises instead of guessing."""
    digits = re.sub(r"[^\d.]", "", value)
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", digits):
        raise UnrecognisedValue(value, field, ["$1,234.50", "HK$ 1,170,000"], f"{site} page {url}")
    return Decimal(digits)


def to_int(value: object | None, site: str, url: str, field: str) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise UnrecognisedValue(value, field, ["a whole number such as 7"], f"{site} page {url}")
    return int(text)
