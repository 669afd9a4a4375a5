with

runners as (

    select * from {{ ref('fct_runners') }}
    where is_start and jockey_key is not null

),

races as (

    select * from {{ ref('fct_races') }}

),

jockeys as (

    select * from {{ ref('dim_jockeys') }}

),

-- one row per ride with the race attributes the breakdowns use
rides as (

    select
        runners.jockey_key,
        runners.race_date,
        runners.won,
        runners.placed,
        runners.showed,
        runners.win_bet_return as win_return,
        runners.market_group,
        races.track_code

    from runners
    inner join races on runners.race_key = races.race_key

),

---------- breakdowns: every ride counted once per dimension

dimensioned as (

    select
        rides.*,
        dims.dimension,
        coalesce(dims.dimension_value, 'unknown') as dimension_value

    from rides
    cross join lateral (
        values
            ('overall', 'all'),
            ('track', rides.track_code),
            ('market', rides.market_group)
    ) as dims (dimension, dimension_value)

),

aggregated as (

    select
        jockey_key,
        dimension,
        dimension_value,
        {{ performance_columns() }}

    from dimensioned
    group by jockey_key, dimension, dimension_value

),

final as (

    select

        ---------- ids
        aggregated.jockey_key,
        jockeys.source,
        jockeys.jockey_name,
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
    inner join jockeys on aggregated.jockey_key = jockeys.jockey_key

)

select * from final
