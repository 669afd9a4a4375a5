with

runners as (

    select * from {{ ref('stg_runners') }}
    where jockey_key is not null

),

-- most recent entry first, so row 1 carries the jockey's current spelling of the name
ranked as (

    select
        *,
        row_number() over (partition by jockey_key order by race_date desc, race_key desc) as recency

    from runners

),

jockeys as (

    select
        jockey_key,
        min(source) as source,
        min(jockey_id) as jockey_id,
        max(jockey_name) filter (where recency = 1) as jockey_name,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date,
        count(*) as race_entries,
        count(distinct horse_key) as horses

    from ranked
    group by jockey_key

),

final as (

    select

        ---------- ids
        jockey_key,
        source,
        jockey_id,

        ---------- descriptors
        jockey_name,

        ---------- activity
        first_race_date,
        last_race_date,
        race_entries,
        horses

    from jockeys

)

select * from final
