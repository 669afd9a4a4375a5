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
        jockey_key,
        trainer_key,
        race_date,
        won,
        placed,
        showed,
        win_bet_return as win_return

    from runners

),

aggregated as (

    select
        jockey_key,
        trainer_key,
        {{ performance_columns() }}

    from partnership_starts
    group by jockey_key, trainer_key

),

final as (

    select

        ---------- ids
        aggregated.jockey_key,
        aggregated.trainer_key,
        jockeys.source,
        jockeys.jockey_name,
        trainers.trainer_name,

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
    inner join trainers on aggregated.trainer_key = trainers.trainer_key

)

select * from final
