{{
    config(
        materialized='incremental',
        tags=['race_date_partitioned'],
        incremental_strategy='delete+insert',
        unique_key='runner_key',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_race_date_window() }}",
        indexes=[
            {'columns': ['runner_key']},
            {'columns': ['race_key']},
            {'columns': ['horse_key']},
            {'columns': ['race_date']},
        ],
    )
}}

with

runners as (

    select * from {{ ref('stg_runners') }}
    where {{ race_date_window('race_date') }}

),

races as (

    select race_key, track_key from {{ ref('stg_races') }}
    where {{ race_date_window('race_date') }}

),

dividends as (

    select * from {{ ref('stg_dividends') }}
    where {{ race_date_window('race_date') }}
        and pool in ('win', 'place', 'show')

),

-- win/place/show payouts per unit, one row per race and horse number
single_horse_payouts as (

    select
        race_key,
        combination as horse_number_text,
        max(payout_per_unit) filter (where pool = 'win') as win_payout,
        max(payout_per_unit) filter (where pool = 'place') as place_payout,
        max(payout_per_unit) filter (where pool = 'show') as show_payout

    from dividends
    group by race_key, combination

),

-- races whose tote published a win dividend: their dividends are the truth for every winner (see win_bet_return)
races_with_win_dividend as (

    select distinct race_key
    from dividends
    where pool = 'win'

),

-- runner-level flags the race windows need
flagged as (

    select
        runners.*,
        races.track_key,
        races_with_win_dividend.race_key is not null as race_has_win_dividend,
        runners.status is distinct from 'scratched' as is_runner,
        coalesce(runners.status is distinct from 'scratched' and runners.final_odds > 0, false) as has_odds,
        coalesce(runners.finish_position is not null or runners.status in ('dnf', 'disqualified'), false)
            as is_start

    from runners
    inner join races on runners.race_key = races.race_key
    left join races_with_win_dividend on runners.race_key = races_with_win_dividend.race_key

),

-- the race-level context of every runner, with window functions over the race
in_race as (

    select
        *,
        count(*) filter (where is_runner) over (partition by race_key) as field_size,
        min(final_odds) filter (where has_odds) over (partition by race_key) as shortest_odds_in_race,
        rank() over (partition by race_key, has_odds order by final_odds) as odds_rank_any,
        count(finish_position) over (partition by race_key, finish_position) as runners_at_position

    from flagged

),

final as (

    select

        ---------- ids
        in_race.runner_key,
        in_race.race_key,
        in_race.horse_key,
        in_race.jockey_key,
        in_race.trainer_key,
        in_race.track_key,
        in_race.source,
        in_race.race_id,
        in_race.race_date,

        ---------- entry
        in_race.horse_number,
        in_race.post_position,
        in_race.horse_age,
        in_race.weight_lbs,
        in_race.horse_weight_lbs,
        in_race.field_size,

        ---------- odds
        in_race.morning_line,
        in_race.morning_line_odds,
        in_race.morning_line_parse_failed,
        round(1 / nullif(in_race.morning_line_odds, 0), 4) as morning_line_implied_probability,
        in_race.final_odds,
        round(1 / nullif(in_race.final_odds, 0), 4) as implied_probability,
        case when in_race.has_odds then in_race.odds_rank_any end as odds_rank,
        in_race.has_odds and in_race.final_odds = in_race.shortest_odds_in_race as is_favourite,
        case
            when not in_race.has_odds then 'no_odds'
            when in_race.final_odds = in_race.shortest_odds_in_race then 'favourite'
            when in_race.final_odds >= {{ var('longshot_min_odds', 10) }} then 'longshot'
            else 'mid_price'
        end as market_group,

        ---------- result
        in_race.status,
        in_race.is_start,
        in_race.finish_position,
        in_race.runners_at_position > 1 as is_dead_heat,
        coalesce(in_race.finish_position = 1, false) as won,
        coalesce(in_race.finish_position <= 2, false) as placed,
        coalesce(in_race.finish_position <= 3, false) as showed,
        in_race.margin_lengths,
        in_race.finish_time_s,

        ---------- payouts per 1 unit staked
        payouts.win_payout,
        payouts.place_payout,
        payouts.show_payout,
        -- What a 1-unit win bet returned. One rule per race, the same as backtests.frames.runners_from_batch: a race
        -- with a win dividend pays its winners their dividend (0 for a winner the tote paid none, e.g. a
        -- dead-heater whose split dividend is missing); only a race without any win dividend (a source that
        -- publishes none) falls back to the final odds. Mixing per horse would pay a dead-heater missing its
        -- dividend the full final odds, about twice the split the tote paid: a backtest must not be flattered.
        case
            when not in_race.is_start then null
            when in_race.finish_position = 1 and in_race.race_has_win_dividend then coalesce(payouts.win_payout, 0)
            when in_race.finish_position = 1 then coalesce(in_race.final_odds, 0)
            else 0
        end as win_bet_return

    from in_race
    left join single_horse_payouts as payouts
        on in_race.race_key = payouts.race_key
        and in_race.horse_number::text = payouts.horse_number_text

)

select * from final
