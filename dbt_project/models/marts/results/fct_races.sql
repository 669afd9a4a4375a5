{{
    config(
        materialized='incremental',
        tags=['race_date_partitioned'],
        incremental_strategy='delete+insert',
        unique_key='race_key',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_race_date_window() }}",
        indexes=[{'columns': ['race_key']}, {'columns': ['race_date']}],
    )
}}

with

races as (

    select * from {{ ref('stg_races') }}
    where {{ race_date_window('race_date') }}

),

runners as (

    select race_key, status, finish_position from {{ ref('stg_runners') }}
    where {{ race_date_window('race_date') }}

),

dividends as (

    select race_key, count(*) as dividends
    from {{ ref('stg_dividends') }}
    where {{ race_date_window('race_date') }}
    group by race_key

),

positions as (

    select
        race_key,
        finish_position,
        count(*) as runners_at_position

    from runners
    where finish_position is not null
    group by race_key, finish_position

),

field as (

    select
        runners.race_key,
        count(*) as declared_runners,
        count(*) filter (where runners.status is distinct from 'scratched') as runners,
        count(*) filter (where runners.finish_position is not null) as finishers,
        count(*) filter (where runners.finish_position = 1) as winners

    from runners
    group by runners.race_key

),

dead_heats as (

    select race_key, true as has_dead_heat
    from positions
    where runners_at_position > 1
    group by race_key

),

final as (

    select

        ---------- ids
        races.race_key,
        races.track_key,
        races.source,
        races.race_id,
        races.track_code,
        races.race_number,

        ---------- timestamps
        races.race_date,
        races.post_time,

        ---------- race conditions
        races.distance_m,
        races.distance_f,
        races.distance_band,
        races.surface,
        races.going,
        races.is_wet,
        races.race_class,
        races.race_type,
        races.purse,
        races.currency,

        ---------- field and result
        coalesce(field.declared_runners, 0) as declared_runners,
        coalesce(field.runners, 0) as runners,
        coalesce(field.finishers, 0) as finishers,
        coalesce(field.winners, 0) as winners,
        coalesce(field.finishers, 0) > 0 as has_result,
        coalesce(dead_heats.has_dead_heat, false) as has_dead_heat,
        coalesce(dividends.dividends, 0) as dividends

    from races
    left join field on races.race_key = field.race_key
    left join dead_heats on races.race_key = dead_heats.race_key
    left join dividends on races.race_key = dividends.race_key

)

select * from final
