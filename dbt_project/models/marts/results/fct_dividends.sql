{{
    config(
        materialized='incremental',
        tags=['race_date_partitioned'],
        incremental_strategy='delete+insert',
        unique_key='dividend_key',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_race_date_window() }}",
        indexes=[{'columns': ['dividend_key']}, {'columns': ['race_date']}],
    )
}}

with

dividends as (

    select * from {{ ref('stg_dividends') }}
    where {{ race_date_window('race_date') }}

),

races as (

    select race_key, track_key from {{ ref('stg_races') }}
    where {{ race_date_window('race_date') }}

),

final as (

    select

        ---------- ids
        dividends.dividend_key,
        dividends.race_key,
        races.track_key,
        dividends.source,
        dividends.race_id,
        dividends.race_date,

        ---------- bet
        dividends.pool,
        dividends.combination,
        dividends.combination_size,

        ---------- money
        dividends.dividend,
        dividends.stake_unit,
        dividends.payout_per_unit,
        dividends.currency

    from dividends
    inner join races on dividends.race_key = races.race_key

)

select * from final
