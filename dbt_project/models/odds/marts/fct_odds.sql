{#-
    Incremental: a run only reads snapshots newer than the newest one already in the table, so a snapshot reloaded
    or backfilled with an older snapshot_time needs `--full-refresh`. Not tagged race_date_partitioned: the grain is
    the fetch, not the race date.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['snapshot_id', 'bookmaker', 'market', 'outcome', 'point'],
        on_schema_change='sync_all_columns',
        indexes=[
            {'columns': ['event_id', 'bookmaker', 'market']},
            {'columns': ['snapshot_time']},
        ],
    )
}}

with

odds as (

    select * from {{ ref('stg_odds') }}
    where is_valid
    {% if is_incremental() %}
        and snapshot_time > (select coalesce(max(snapshot_time), '-infinity') from {{ this }})
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
        odds.market_last_update

    from odds
    inner join snapshots on odds.snapshot_id = snapshots.snapshot_id
    inner join events on odds.event_id = events.event_id

)

select * from final
