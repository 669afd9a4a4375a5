with

runners as (

    select * from {{ ref('stg_runners') }}

),

-- most recent entry first, so row 1 carries the horse's current name and age
ranked as (

    select
        *,
        row_number() over (partition by horse_key order by race_date desc, race_key desc) as recency

    from runners

),

horses as (

    select
        horse_key,
        min(source) as source,
        min(horse_id) as horse_id,
        max(horse_name) filter (where recency = 1) as horse_name,
        max(horse_age) filter (where recency = 1) as latest_age,
        count(distinct horse_name) as names_used,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date,
        count(*) as race_entries

    from ranked
    group by horse_key

),

-- different horses (keys) of the same source answering to the same name
name_sharing as (

    select
        *,
        count(*) over (partition by source, lower(horse_name)) - 1 as other_horses_with_name

    from horses

),

final as (

    select

        ---------- ids
        horse_key,
        source,
        horse_id,

        ---------- descriptors
        horse_name,
        latest_age,
        names_used,
        other_horses_with_name,
        other_horses_with_name > 0 as is_name_shared,

        ---------- activity
        first_race_date,
        last_race_date,
        race_entries

    from name_sharing

)

select * from final
