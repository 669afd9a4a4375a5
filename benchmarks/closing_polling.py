"""Placeholder: filled in by its owner this session."""


def run() -> list[tuple]:
    return []
