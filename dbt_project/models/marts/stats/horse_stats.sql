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
        races.post_time,
        runners.finish_position,
        {{ performance_inputs('runners') }},
        races.surface,
        races.distance_band,
        races.track_code,
        races.going

    from runners
    inner join races on runners.race_key = races.race_key

),

{{ stats_breakdown('starts', ['horse_key'], [
    ('surface', 'surface'), ('distance_band', 'distance_band'), ('track', 'track_code'), ('going', 'going')]) }}

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
        {{- performance_record('aggregated') }},

        ---------- horse-level form (same on every row of the horse)
        form.last_5_form,
        form.horse_last_race_date,
        current_date - form.horse_last_race_date as days_since_last_run

    from aggregated
    inner join horses on aggregated.horse_key = horses.horse_key
    inner join form on aggregated.horse_key = form.horse_key

)

select * from final
