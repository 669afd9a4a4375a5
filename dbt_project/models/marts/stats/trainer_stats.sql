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
        {{ performance_inputs('runners') }},
        runners.market_group,
        races.track_code,
        races.surface,
        races.distance_band

    from runners
    inner join races on runners.race_key = races.race_key

),

{{ stats_breakdown('starts', ['trainer_key'], [
    ('track', 'track_code'), ('surface', 'surface'), ('distance_band', 'distance_band'), ('market', 'market_group')]) }}

final as (

    select

        ---------- ids
        aggregated.trainer_key,
        trainers.source,
        trainers.trainer_name,
        aggregated.dimension,
        aggregated.dimension_value,

        ---------- record
        {{- performance_record('aggregated') }}

    from aggregated
    inner join trainers on aggregated.trainer_key = trainers.trainer_key

)

select * from final
