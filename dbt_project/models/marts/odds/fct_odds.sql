{#-
    Incremental on load time, not on snapshot_time: a run reads the snapshots loaded since the newest load already in
    the table, less a ten-minute overlap (delete+insert by snapshot_id makes re-reading whole snapshots idempotent —
    a multi-column key would not, a null point never matches — and a load whose transaction committed late is not
    skipped). Backdated snapshots (a backfill, a tote board polled with an earlier as-of) are picked up like any
    other. Not tagged race_date_partitioned: the grain is the fetch, not the race date.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_id',
        on_schema_change='sync_all_columns',
        indexes=[
            {'columns': ['event_id', 'bookmaker', 'market']},
            {'columns': ['snapshot_time']},
            {'columns': ['loaded_at']},
        ],
    )
}}

with

odds as (

    select * from {{ ref('stg_odds') }}
    where is_valid
    {% if is_incremental() %}
        and snapshot_id in (
            select snapshot_id from {{ ref('stg_odds_snapshots') }}
            where loaded_at > (select coalesce(max(loaded_at), '-infinity') from {{ this }}) - interval '10 minutes'
        )
    {% endif %}

),

snapshots as (

    select * from {{ ref('stg_odds_snapshots') }}

),

events as (

    select * from {{ ref('stg_events') }}

),

final as (

    select

        ---------- ids
        odds.snapshot_id,
        odds.event_id,
        snapshots.sport,
        snapshots.sport ilike '%racing%' as is_racing,
        odds.bookmaker,
        odds.market,
        odds.outcome,
        odds.description,
        odds.point,
        {{ odds_line('odds.market', 'odds.outcome', 'odds.point', 'events.away_team') }} as line,

        ---------- event
        events.home_team,
        events.away_team,
        events.commence_time,

        ---------- prices
        odds.price_american,
        odds.price_decimal,
        {{ odds_implied_probability('odds.price_decimal') }} as implied_probability,

        ---------- fetch
        odds.snapshot_time,
        snapshots.fetch_tier,
        snapshots.hours_until_commence,
        odds.snapshot_time < events.commence_time as is_pre_start,
        odds.bookmaker_last_update,
        odds.market_last_update,

        ---------- lineage
        snapshots.loaded_at

    from odds
    inner join snapshots on odds.snapshot_id = snapshots.snapshot_id
    inner join events on odds.event_id = events.event_id

)

select * from final
