with

runners as (

    select * from {{ ref('fct_runners') }}
    where is_start and trainer_key is not null

),

races as (

    select * from {{ ref('fct_races') }}

),

trainers as (

    select * from {{ ref('dim_trainers') }}

),

-- one row per start of a trained horse with the race attributes the breakdowns use
starts as (

    select
        runners.trainer_key,
        runners.race_date,
        runners.won,
        runners.placed,
        runners.showed,
        runners.win_bet_return as win_return,
        runners.market_group,
        races.track_code,
        races.surface,
        races.distance_band

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
            ('track', starts.track_code),
            ('surface', starts.surface),
            ('distance_band', starts.distance_band),
            ('market', starts.market_group)
    ) as dims (dimension, dimension_value)

),

aggregated as (

    select
        trainer_key,
        dimension,
        dimension_value,
        {{ performance_columns() }}

    from dimensioned
    group by trainer_key, dimension, dimension_value

),

final as (

    select

        ---------- ids
        aggregated.trainer_key,
        trainers.source,
        trainers.trainer_name,
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
        aggregated.last_race_date

    from aggregated
    inner join trainers on aggregated.trainer_key = trainers.trainer_key

)

select * from final
