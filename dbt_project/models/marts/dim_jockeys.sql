{#-
    Identity (README "Identity"): a jockey with a source id is that id (jockey_key = source:jockey_id), one row per
    key from the results, as before. Cards publish names only, so a jockey seen on a race card resolves by name
    (whitespace-collapsed, case-insensitive) to a result row of the same identity group (macro identity_group, the rule
    marts.race_cards uses) that was entered under that name -- the group's own source's row first, then the most
    recently active, then the lowest key. A card name with no such row becomes one new row per identity (group +
    name), keyed <source>:name:<lower name>, has_results false, until results with an id arrive.
-#}

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

result_jockeys as (

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

-- every name a result row was entered under, for matching card names
result_names as (

    select distinct
        runners.jockey_key,
        lower(runners.jockey_name) as name_key,
        result_jockeys.source,
        {{ identity_group('result_jockeys.source') }} as identity_group,
        result_jockeys.last_race_date

    from runners
    inner join result_jockeys on runners.jockey_key = result_jockeys.jockey_key
    where runners.jockey_name is not null

),

---------- card entries: names only

card_jockeys as (

    select
        source,
        {{ identity_group('source') }} as identity_group,
        lower(jockey_name) as name_key,
        jockey_name,
        race_date,
        race_key,
        horse_key

    from {{ ref('stg_card_runners') }}
    where jockey_name is not null

),

-- one per identity (group + name), whichever card source listed it; keyed by the group's own source if among them
card_identities as (

    select
        identity_group,
        name_key,
        case when bool_or(source = identity_group) then identity_group else min(source) end as source,
        (array_agg(jockey_name order by race_date desc, race_key desc))[1] as jockey_name,
        min(race_date) as first_seen_on_card,
        count(*) as card_entries,
        count(distinct horse_key) as horses

    from card_jockeys
    group by identity_group, name_key

),

card_keyed as (

    select *, source || ':name:' || name_key as card_jockey_key
    from card_identities

),

resolved as (

    select distinct on (card_keyed.card_jockey_key)
        card_keyed.*,
        result_names.jockey_key as result_jockey_key

    from card_keyed
    left join result_names
        on result_names.identity_group = card_keyed.identity_group
        and result_names.name_key = card_keyed.name_key
    order by
        card_keyed.card_jockey_key,
        (result_names.source = card_keyed.identity_group) desc nulls last,
        result_names.last_race_date desc nulls last,
        result_names.jockey_key

),

card_seen as (

    select
        coalesce(result_jockey_key, card_jockey_key) as jockey_key,
        min(first_seen_on_card) as first_seen_on_card,
        sum(card_entries) as card_entries

    from resolved
    group by 1

),

jockeys as (

    select
        jockey_key, source, jockey_id, jockey_name,
        first_race_date, last_race_date, race_entries, horses, true as has_results

    from result_jockeys

    union all

    select
        card_jockey_key, source, null::text, jockey_name,
        null::date, null::date, 0::bigint, horses, false

    from resolved
    where result_jockey_key is null

),

final as (

    select

        ---------- ids
        jockeys.jockey_key,
        jockeys.source,
        jockeys.jockey_id,

        ---------- descriptors
        jockeys.jockey_name,

        ---------- activity
        jockeys.has_results,
        jockeys.first_race_date,
        jockeys.last_race_date,
        jockeys.race_entries,
        jockeys.horses,
        card_seen.first_seen_on_card,
        coalesce(card_seen.card_entries, 0) as card_entries

    from jockeys
    left join card_seen on jockeys.jockey_key = card_seen.jockey_key

)

select * from final
