"""The import graph has floors: no package imports one above it, and nothing imports in a circle.

Read from the source by grimp, imports inside functions included (a lazy import is still a dependency: it only hides
a cycle until the function runs). The floors, top to bottom:

- ``paddock.cli`` — the ``paddock`` command: starts and drives everything, nothing imports it;
- ``orchestration`` — Dagster definitions over the plain-Python packages;
- ``paddock`` — runtime glue the definitions use: settings, status and alerts, dbt preparation, processes;
- ``ingestion`` — sources, fetcher, parsers, loaders, the ledger reader; it runs the ``quality`` gate;
- ``quality`` — the Great Expectations suites and the gate;
- ``backtests`` — engine, features, frames, strategies, results and ``backtests.live`` (signals, monitoring, the
  portfolio): they read the marts, never ``ingestion``;
- ``backtests.betting`` — the pure betting core (odds, vig, value, arbitrage, exotics, tickets, Harville,
  pari-mutuel, staking, bet-slip notation): no SQL, so ingestion's normalizers and sources may use it;
- the ground floor — ``paddock.db``, ``paddock.pgcopy`` (the COPY helpers) and ``paddock.canonical`` (surfaces,
  statuses), ``paddock.table_docs`` (marts table comments from the dbt sources file): shared contracts every floor
  may import; they import nothing of the project.

``paddock`` holds three floors (the ground floor, the runtime, the CLI roof), so it counts as three packages here:
the CLI must import ``orchestration``, which must import the settings and the database module.
"""
from __future__ import annotations

import grimp
import pytest

PACKAGES = ("ingestion", "quality", "backtests", "orchestration", "paddock")
GROUND = ("paddock.db", "paddock.pgcopy", "paddock.canonical", "paddock.table_docs")
FLOORS = ("paddock.cli", "orchestration", "paddock", "ingestion", "quality", "backtests", "backtests.betting", "ground")
DRIVERS = ("sqlalchemy", "psycopg2", "dagster", "dagster_dbt", "great_expectations", "requests", "httpx")


def floor(module: str) -> str:
    """The floor a module of the project lives on (the longest matching name in FLOORS; the ground floor by list)."""
    if module in GROUND:
        return "ground"
    for name in sorted(FLOORS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise AssertionError(f"{module} is on no floor")


def top_package(module: str) -> str:
    """The package a module counts under for cycles: a top-level package, with paddock's three floors apart."""
    name = floor(module)
    if name == "ground":
        return "paddock (ground floor)"
    return "backtests" if name == "backtests.betting" else name


def floor_or_none(module: str) -> str | None:
    return floor(module) if module.split(".")[0] in PACKAGES else None


def project_imports(graph) -> set[tuple[str, str]]:
    modules = {m for m in graph.modules if m.split(".")[0] in PACKAGES}
    return {(m, imported) for m in modules for imported in graph.find_modules_directly_imported_by(m)
            if imported in modules}


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted, for a stable message."""
    adjacency: dict[str, list[str]] = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in adjacency[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(adjacency):
        if node not in index:
            visit(node)
    return sorted(found)


def upward(edges: set[tuple[str, str]]) -> list[str]:
    """Every import from a floor to a floor above it, as 'importer -> imported'."""
    rank = {name: i for i, name in enumerate(FLOORS)}
    return sorted(f"{a} -> {b}" for a, b in edges if rank[floor(b)] < rank[floor(a)])


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


@pytest.fixture(scope="module")
def edges(graph):
    return project_imports(graph)


def test_lazy_imports_are_in_the_graph(graph):
    """The CLI imports the definitions inside a function (after the simulators set the environment): seen here."""
    assert "orchestration.definitions" in graph.find_modules_directly_imported_by("paddock.cli.runner")


def test_no_import_cycle_between_packages(edges):
    packages = {(top_package(a), top_package(b)) for a, b in edges if top_package(a) != top_package(b)}
    assert cycles(packages) == []


def test_no_import_cycle_between_files(edges):
    assert cycles(edges) == []


def test_no_floor_imports_one_above_it(edges):
    assert upward(edges) == []


def test_the_ground_floor_imports_nothing_of_the_project(edges):
    assert sorted(f"{a} -> {b}" for a, b in edges if a in GROUND and b not in GROUND) == []


def test_the_betting_core_runs_no_sql_and_imports_no_ingestion(graph):
    betting = [m for m in graph.modules if m == "backtests.betting" or m.startswith("backtests.betting.")]
    outside = sorted(f"{m} -> {imported}" for m in betting for imported in graph.find_modules_directly_imported_by(m)
                     if imported.split(".")[0] in (*PACKAGES, *DRIVERS) and floor_or_none(imported) not in
                     ("backtests.betting", "ground"))
    assert outside == []


def test_the_checks_catch_what_they_are_for():
    """Planted defects: a cycle between files and packages, an upward import, the betting core reaching ingestion."""
    planted = {("ingestion.loader", "quality.gate"), ("quality.gate", "ingestion.schema"),
               ("ingestion.schema", "ingestion.loader"), ("backtests.betting.odds", "ingestion.loader")}
    assert cycles(planted) == [["ingestion.loader", "ingestion.schema", "quality.gate"]]
    packages = {(top_package(a), top_package(b)) for a, b in planted if top_package(a) != top_package(b)}
    assert cycles(packages) == [["ingestion", "quality"]]
    assert upward(planted) == ["backtests.betting.odds -> ingestion.loader", "quality.gate -> ingestion.schema"]
    assert floor("paddock.cli.runner") == "paddock.cli" and floor("paddock.settings") == "paddock"
    assert floor("paddock.pgcopy") == "ground" and floor("backtests.betting.odds") == "backtests.betting"
