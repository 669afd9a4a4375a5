{#-
    Identity (README "Identity"): a horse is its source id, never its name. Result rows give one row per horse_key
    (source:horse_id), as before. A horse seen on a race card resolves to the result row of the same identity group
    (macro identity_group, the rule marts.race_cards uses) with the same horse_id -- the group's own source's row
    first (as race_cards prefers it), then the lowest key -- so a demo card horse with synthetic history is the
    synthetic row. A card horse with no such row becomes one new row per identity (group + id), keyed
    <source>:<horse_id> (the group's own source when it listed the horse, else the lowest card source; a card without
    horse id: id = name:<lower name>:<birth year>), has_results false, until results arrive. Different horses sharing
    a name never merge: ids differ.
-#}

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

result_horses as (

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

---------- card entries: the same horse id within an identity group is the same horse

card_entries as (

    select
        source,
        {{ identity_group('source') }} as identity_group,
        coalesce(
            nullif(trim(horse_id), ''),
            'name:' || lower(horse_name) || ':' || coalesce((extract(year from race_date)::int - horse_age)::text, '')
        ) as horse_id,
        horse_name,
        horse_age,
        race_date,
        race_key

    from {{ ref('stg_card_runners') }}

),

card_horses as (

    -- one per identity (group + id), whichever card source listed it; keyed by the group's own source if among them
    select
        identity_group,
        horse_id,
        case when bool_or(source = identity_group) then identity_group else min(source) end as source,
        (array_agg(horse_name order by race_date desc, race_key desc))[1] as horse_name,
        (array_agg(horse_age order by race_date desc, race_key desc))[1] as latest_age,
        count(distinct horse_name) as names_used,
        min(race_date) as first_seen_on_card,
        count(*) as card_entries

    from card_entries
    group by identity_group, horse_id

),

card_horses_keyed as (

    select *, source || ':' || horse_id as card_horse_key
    from card_horses

),

-- each card horse's result row, if any: own source first, then the group's own source, then the lowest key
resolved as (

    select distinct on (card_horses_keyed.card_horse_key)
        card_horses_keyed.*,
        result_horses.horse_key as result_horse_key

    from card_horses_keyed
    left join result_horses
        on {{ identity_group('result_horses.source') }} = card_horses_keyed.identity_group
        and result_horses.horse_id = card_horses_keyed.horse_id
    order by
        card_horses_keyed.card_horse_key,
        (result_horses.source = card_horses_keyed.identity_group) desc nulls last,
        result_horses.horse_key

),

card_seen as (

    select
        coalesce(result_horse_key, card_horse_key) as horse_key,
        min(first_seen_on_card) as first_seen_on_card,
        sum(card_entries) as card_entries

    from resolved
    group by 1

),

horses as (

    select
        horse_key, source, horse_id, horse_name, latest_age, names_used,
        first_race_date, last_race_date, race_entries, true as has_results

    from result_horses

    union all

    select
        card_horse_key, source, horse_id, horse_name, latest_age, names_used,
        null::date, null::date, 0::bigint, false

    from resolved
    where result_horse_key is null

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
        name_sharing.horse_key,
        name_sharing.source,
        name_sharing.horse_id,
        {{ identity_group('name_sharing.source') }} || ':' || name_sharing.horse_id as identity_key,

        ---------- descriptors
        name_sharing.horse_name,
        name_sharing.latest_age,
        name_sharing.names_used,
        name_sharing.other_horses_with_name,
        name_sharing.other_horses_with_name > 0 as is_name_shared,

        ---------- activity
        name_sharing.has_results,
        name_sharing.first_race_date,
        name_sharing.last_race_date,
        name_sharing.race_entries,
        card_seen.first_seen_on_card,
        coalesce(card_seen.card_entries, 0) as card_entries

    from name_sharing
    left join card_seen on name_sharing.horse_key = card_seen.horse_key

)

select * from final
