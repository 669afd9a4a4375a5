"""The Odds API v4: client (on the one fetcher), parsers, storage, and a local simulator for tests."""
from ingestion.odds_api.client import DEFAULT_BASE_URL, ApiResult, HistoricalResult, OddsApiClient
from ingestion.odds_api.errors import OddsApiAuthError, OddsApiError
from ingestion.odds_api.quota import Quota, odds_cost, scores_cost

__all__ = [
    "DEFAULT_BASE_URL", "ApiResult", "HistoricalResult", "OddsApiAuthError", "OddsApiClient", "OddsApiError",
    "Quota", "odds_cost", "scores_cost",
]
