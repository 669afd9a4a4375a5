with

runners as (

    select * from {{ ref('fct_runners') }}
    where is_start and jockey_key is not null and trainer_key is not null

),

jockeys as (

    select * from {{ ref('dim_jockeys') }}

),

trainers as (

    select * from {{ ref('dim_trainers') }}

),

-- one row per start the partnership had together
partnership_starts as (

    select
        runners.jockey_key,
        runners.trainer_key,
        {{ performance_inputs('runners') }}

    from runners

),

{{ stats_breakdown('partnership_starts', ['jockey_key', 'trainer_key']) }}

final as (

    select

        ---------- ids
        aggregated.jockey_key,
        aggregated.trainer_key,
        jockeys.source,
        jockeys.jockey_name,
        trainers.trainer_name,

        ---------- record
        {{- performance_record('aggregated') }}

    from aggregated
    inner join jockeys on aggregated.jockey_key = jockeys.jockey_key
    inner join trainers on aggregated.trainer_key = trainers.trainer_key

)

select * from final
