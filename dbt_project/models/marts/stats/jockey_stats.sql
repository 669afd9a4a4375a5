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
        {{ performance_inputs('runners') }},
        runners.market_group,
        races.track_code

    from runners
    inner join races on runners.race_key = races.race_key

),

{{ stats_breakdown('rides', ['jockey_key'], [('track', 'track_code'), ('market', 'market_group')]) }}

final as (

    select

        ---------- ids
        aggregated.jockey_key,
        jockeys.source,
        jockeys.jockey_name,
        aggregated.dimension,
        aggregated.dimension_value,

        ---------- record
        {{- performance_record('aggregated') }}

    from aggregated
    inner join jockeys on aggregated.jockey_key = jockeys.jockey_key

)

select * from final
