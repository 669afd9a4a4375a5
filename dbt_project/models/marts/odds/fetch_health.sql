{#-
    Per site: last success and failure, the last 24 hours (relative to the query) and the latest quota the Odds API
    reported. Success = no error and HTTP 2xx/3xx. The site named by var `odds_api_site` (default the-odds-api) also
    gets the odds rows loaded in the last 24 hours and how many of them ingestion flagged invalid.

    A view, not a table: every fetch writes ops.fetch_log outside Dagster (it is an external asset that is never
    materialized), so automation would never rebuild a table here and it would go stale between `paddock run`s.
-#}
{{ config(materialized='view') }}
with

fetches as (

    select

        stg_fetch_log.*,
        coalesce(site, 'unknown') as site_name,
        error is null and http_status between 200 and 399 as is_success,
        fetched_at >= now() - interval '24 hours' as is_last_24h

    from {{ ref('stg_fetch_log') }}

),

totals as (

    select

        site_name,
        max(fetched_at) as last_attempt_at,
        count(*) as attempts,
        count(*) filter (where is_last_24h) as attempts_24h,
        count(*) filter (where is_last_24h and not is_success) as failures_24h,
        round(avg(is_success::int) filter (where is_last_24h), 4) as success_rate_24h

    from fetches
    group by site_name

),

last_success as (

    select distinct on (site_name) site_name, fetched_at, http_status
    from fetches
    where is_success
    order by site_name, fetched_at desc, fetch_id desc

),

last_failure as (

    select distinct on (site_name) site_name, fetched_at, http_status, error
    from fetches
    where not is_success
    order by site_name, fetched_at desc, fetch_id desc

),

last_quota as (

    select distinct on (site_name) site_name, fetched_at, quota_remaining, quota_used
    from fetches
    where quota_remaining is not null
    order by site_name, fetched_at desc, fetch_id desc

),

odds_loaded as (

    select

        '{{ var("odds_api_site", "the-odds-api") }}' as site_name,
        max(odds.snapshot_time) as last_snapshot_time,
        count(*) filter (where snapshots.loaded_at >= now() - interval '24 hours') as odds_rows_24h,
        count(*) filter (where snapshots.loaded_at >= now() - interval '24 hours' and odds.validation_notes is not null)
            as flagged_odds_rows_24h

    from {{ ref('stg_odds') }} as odds
    inner join {{ ref('stg_odds_snapshots') }} as snapshots on odds.snapshot_id = snapshots.snapshot_id

),

final as (

    select

        ---------- site
        totals.site_name as site,
        totals.last_attempt_at,
        totals.attempts,

        ---------- success / failure
        last_success.fetched_at as last_success_at,
        last_success.http_status as last_success_status,
        last_failure.fetched_at as last_failure_at,
        last_failure.http_status as last_failure_status,
        last_failure.error as last_failure_error,

        ---------- last 24 hours
        totals.attempts_24h,
        totals.failures_24h,
        totals.success_rate_24h,

        ---------- quota (Odds API headers)
        last_quota.quota_remaining,
        last_quota.quota_used,
        last_quota.fetched_at as quota_reported_at,

        ---------- odds loaded (odds site only)
        odds_loaded.last_snapshot_time,
        odds_loaded.odds_rows_24h,
        odds_loaded.flagged_odds_rows_24h

    from totals
    left join last_success on totals.site_name = last_success.site_name
    left join last_failure on totals.site_name = last_failure.site_name
    left join last_quota on totals.site_name = last_quota.site_name
    left join odds_loaded on totals.site_name = odds_loaded.site_name

)

select * from final
