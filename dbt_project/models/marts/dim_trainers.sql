with

runners as (

    select * from {{ ref('stg_runners') }}
    where trainer_key is not null

),

-- most recent entry first, so row 1 carries the trainer's current spelling of the name
ranked as (

    select
        *,
        row_number() over (partition by trainer_key order by race_date desc, race_key desc) as recency

    from runners

),

trainers as (

    select
        trainer_key,
        min(source) as source,
        min(trainer_id) as trainer_id,
        max(trainer_name) filter (where recency = 1) as trainer_name,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date,
        count(*) as race_entries,
        count(distinct horse_key) as horses

    from ranked
    group by trainer_key

),

final as (

    select

        ---------- ids
        trainer_key,
        source,
        trainer_id,

        ---------- descriptors
        trainer_name,

        ---------- activity
        first_race_date,
        last_race_date,
        race_entries,
        horses

    from trainers

)

select * from final
