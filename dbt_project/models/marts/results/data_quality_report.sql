{{ config(indexes=[{'columns': ['check_name', 'source']}]) }}

with

races as (

    select race_key, source, race_date, track_code, race_number from {{ ref('stg_races') }}

),

runners as (

    select
        runner_key, race_key, horse_key, jockey_key, trainer_key, source, race_date, horse_id, horse_name,
        status, finish_position, final_odds, morning_line, morning_line_parse_failed
    from {{ ref('stg_runners') }}

),

dividends as (

    select race_key, source, race_date from {{ ref('stg_dividends') }}

),

---------- volumes

row_counts as (

    select 'row_count' as check_name, 'info' as severity, source, race_date,
        'races' as entity_key, null as detail, count(*) as n
    from races group by source, race_date
    union all
    select 'row_count', 'info', source, race_date, 'runners', null, count(*)
    from runners group by source, race_date
    union all
    select 'row_count', 'info', source, race_date, 'dividends', null, count(*)
    from dividends group by source, race_date

),

---------- races

race_results as (

    select
        race_key,
        count(*) as runners,
        count(finish_position) as finishers,
        count(*) filter (where finish_position = 1) as winners

    from runners
    group by race_key

),

race_checks as (

    select
        case
            when race_results.race_key is null then 'race_without_runners'
            else 'race_without_winner'
        end as check_name,
        'warn' as severity,
        races.source,
        races.race_date,
        races.race_key as entity_key,
        races.track_code || ' race ' || races.race_number as detail,
        1 as n

    from races
    left join race_results on races.race_key = race_results.race_key
    where race_results.race_key is null
        or (race_results.finishers > 0 and race_results.winners = 0)

),

---------- runners

runner_checks as (

    select 'runner_without_result' as check_name, 'warn' as severity, source, race_date,
        runner_key as entity_key, 'status finished but no finish_position' as detail, 1 as n
    from runners
    where status = 'finished' and finish_position is null
    union all
    select 'invalid_final_odds', 'warn', source, race_date,
        runner_key, 'final_odds ' || final_odds || ' is not above 1 (decimal odds include the stake)', 1
    from runners
    where final_odds <= 1 and status is distinct from 'scratched'
    union all
    select 'unparseable_morning_line', 'warn', source, race_date,
        morning_line, 'morning_line text that odds_text_to_decimal() cannot read', count(*)
    from runners
    where morning_line_parse_failed
    group by source, race_date, morning_line
    union all
    select 'runner_without_jockey', 'warn', source, race_date,
        null, 'runners with no jockey_id', count(*)
    from runners
    where jockey_key is null and status is distinct from 'scratched'
    group by source, race_date
    union all
    select 'runner_without_trainer', 'warn', source, race_date,
        null, 'runners with no trainer_id', count(*)
    from runners
    where trainer_key is null
    group by source, race_date

),

---------- orphans (dropped by the facts)

orphan_checks as (

    select 'runner_without_race' as check_name, 'error' as severity, runners.source, runners.race_date,
        runners.race_key as entity_key, 'runners whose race is not in raw.races' as detail, count(*) as n
    from runners
    left join races on runners.race_key = races.race_key
    where races.race_key is null
    group by runners.source, runners.race_date, runners.race_key
    union all
    select 'dividend_without_race', 'error', dividends.source, dividends.race_date,
        dividends.race_key, 'dividends whose race is not in raw.races', count(*)
    from dividends
    left join races on dividends.race_key = races.race_key
    where races.race_key is null
    group by dividends.source, dividends.race_date, dividends.race_key

),

---------- horses

duplicate_horse_names as (

    select 'duplicate_horse_name' as check_name, 'info' as severity, source, null::date as race_date,
        min(horse_name) as entity_key,
        'horse_ids: ' || string_agg(distinct horse_id, ', ' order by horse_id) as detail,
        count(distinct horse_key) as n
    from runners
    group by source, lower(horse_name)
    having count(distinct horse_key) > 1

),

unioned as (

    select * from row_counts
    union all select * from race_checks
    union all select * from runner_checks
    union all select * from orphan_checks
    union all select * from duplicate_horse_names

),

final as (

    select
        check_name::text as check_name,
        severity::text as severity,
        source::text as source,
        race_date::date as race_date,
        entity_key::text as entity_key,
        detail::text as detail,
        n::bigint as n

    from unioned

)

select * from final
