"""Validity of the normalized odds a poll stored, as an asset check on raw/odds.

Storage flags suspicious rows (``is_valid``) instead of dropping them — stale lines are what arbitrage hunting lives
on — so the check warns rather than blocks: a high share of flagged rows points at a feed or parser problem.
"""
import dagster as dg

ODDS_VALIDITY_CHECK = "odds_validity"
ODDS_KEY = dg.AssetKey(["raw", "odds"])
MAX_INVALID_SHARE = 0.05


def odds_validity_spec() -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=ODDS_VALIDITY_CHECK, asset=ODDS_KEY,
        description=f"Share of odds rows flagged invalid by storage (price range, outcome set, overround) "
                    f"in this poll stays ≤ {MAX_INVALID_SHARE:.0%}.",
    )


def odds_validity_result(rows: int, invalid: int) -> dg.AssetCheckResult:
    share = invalid / rows if rows else 0.0
    return dg.AssetCheckResult(
        asset_key=ODDS_KEY, check_name=ODDS_VALIDITY_CHECK, passed=share <= MAX_INVALID_SHARE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows": dg.MetadataValue.int(rows), "invalid_rows": dg.MetadataValue.int(invalid),
                  "invalid_share": dg.MetadataValue.float(round(share, 4))},
    )
