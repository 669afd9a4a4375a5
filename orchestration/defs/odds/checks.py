"""The odds suite's verdict on each poll, as a blocking asset check on raw/odds (the #2 gate's convention).

Storage already kept rejected prices out of raw.odds (``quarantine.odds`` has them with reasons) and annotated soft
failures, so quarantined rows make the check fail as a warning; a sport whose whole batch was rejected (valid share
below the floor) is an error, and blocking stops the odds marts and signals from building on a broken feed.
"""
import dagster as dg

from quality.suites_odds import SOFT_RULES

ODDS_GATE_CHECK = "odds_quality_gate"
ODDS_KEY = dg.AssetKey(["raw", "odds"])


def odds_gate_spec() -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=ODDS_GATE_CHECK, asset=ODDS_KEY, blocking=True,
        description="Great Expectations suite 'odds' (quality/suites_odds.py): hard failures are quarantined, soft "
                    "ones annotated (or quarantined with REJECT_INVALID_ODDS=true); a rejected batch blocks downstream.",
    )


def odds_gate_result(report: dict[str, dict]) -> dg.AssetCheckResult:
    """One result over every sport of the poll."""
    summaries = {sport: r["gate"] for sport, r in report.items() if "gate" in r}
    failing: dict[str, int] = {}
    for summary in summaries.values():
        for name, count in summary["failed_expectations"].items():
            failing[name] = failing.get(name, 0) + int(count or 0)
    rejected = sorted(s for s, summary in summaries.items() if summary["critical_failure"])
    quarantined = sum(int(s["quarantined"]) for s in summaries.values())
    hard = {k: v for k, v in failing.items() if k not in SOFT_RULES}
    missing = {s: r["missing"] for s, r in report.items() if r.get("missing", {}).get("markets")}
    return dg.AssetCheckResult(
        asset_key=ODDS_KEY, check_name=ODDS_GATE_CHECK, passed=not hard and not rejected,
        severity=dg.AssetCheckSeverity.ERROR if rejected else dg.AssetCheckSeverity.WARN,
        metadata={
            "evaluated": dg.MetadataValue.int(sum(int(s["evaluated"]) for s in summaries.values())),
            "published": dg.MetadataValue.int(sum(int(s["published"]) for s in summaries.values())),
            "quarantined": dg.MetadataValue.int(quarantined),
            "failed_expectations": dg.MetadataValue.json(failing),
            "rejected_sports": dg.MetadataValue.json(rejected),
            "missing_markets": dg.MetadataValue.json(missing),
        },
    )
