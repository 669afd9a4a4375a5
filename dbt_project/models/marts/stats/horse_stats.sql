with

runners as (

    select * from {{ ref('fct_runners') }}
    where is_start

),

races as (

    select * from {{ ref('fct_races') }}

),

horses as (

    select * from {{ ref('dim_horses') }}

),

-- one row per start with the race attributes the breakdowns use
starts as (

    select
        runners.horse_key,
        runners.race_key,
        runners.race_date,
        races.post_time,
        runners.finish_position,
        runners.won,
        runners.placed,
        runners.showed,
        runners.win_bet_return as win_return,
        races.surface,
        races.distance_band,
        races.track_code,
        races.going

    from runners
    inner join races on runners.race_key = races.race_key

),

---------- breakdowns: every start counted once per dimension

dimensioned as (

    select
        starts.*,
        dims.dimension,
        coalesce(dims.dimension_value, 'unknown') as dimension_value

    from starts
    cross join lateral (
        values
            ('overall', 'all'),
            ('surface', starts.surface),
            ('distance_band', starts.distance_band),
            ('track', starts.track_code),
            ('going', starts.going)
    ) as dims (dimension, dimension_value)

),

aggregated as (

    select
        horse_key,
        dimension,
        dimension_value,
        {{ performance_columns() }}

    from dimensioned
    group by horse_key, dimension, dimension_value

),

---------- form: last five starts, most recent first

ranked_starts as (

    select
        horse_key,
        race_date,
        finish_position,
        row_number() over (
            partition by horse_key order by race_date desc, post_time desc nulls last, race_key desc
        ) as recency

    from starts

),

form as (

    select
        horse_key,
        string_agg(coalesce(finish_position::text, 'x'), '-' order by recency) as last_5_form,
        max(race_date) as horse_last_race_date

    from ranked_starts
    where recency <= 5
    group by horse_key

),

final as (

    select

        ---------- ids
        aggregated.horse_key,
        horses.source,
        horses.horse_name,
        aggregated.dimension,
        aggregated.dimension_value,

        ---------- record
        aggregated.starts,
        aggregated.wins,
        aggregated.places,
        aggregated.shows,
        aggregated.win_rate,
        aggregated.place_rate,
        aggregated.show_rate,
        aggregated.win_roi,
        aggregated.first_race_date,
        aggregated.last_race_date,

        ---------- horse-level form (same on every row of the horse)
        form.last_5_form,
        form.horse_last_race_date,
        current_date - form.horse_last_race_date as days_since_last_run

    from aggregated
    inner join horses on aggregated.horse_key = horses.horse_key
    inner join form on aggregated.horse_key = form.horse_key

)

select * from final
