{#-
    One person dimension (jockeys, trainers): the same identity rule for every role, so the two can never drift.
    role: 'jockey' or 'trainer' -- the prefix of the staging columns (<role>_key, <role>_id, <role>_name) it reads.
    The identity rule itself is documented on the models (README "Identity").
-#}
{% macro person_dimension(role) %}
with

runners as (

    select * from {{ ref('stg_runners') }}
    where {{ role }}_key is not null

),

-- most recent entry first, so row 1 carries the {{ role }}'s current spelling of the name
ranked as (

    select
        *,
        row_number() over (partition by {{ role }}_key order by race_date desc, race_key desc) as recency

    from runners

),

result_{{ role }}s as (

    select
        {{ role }}_key,
        min(source) as source,
        min({{ role }}_id) as {{ role }}_id,
        max({{ role }}_name) filter (where recency = 1) as {{ role }}_name,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date,
        count(*) as race_entries,
        count(distinct horse_key) as horses

    from ranked
    group by {{ role }}_key

),

-- every name a result row was entered under, for matching card names
result_names as (

    select distinct
        runners.{{ role }}_key,
        lower(runners.{{ role }}_name) as name_key,
        result_{{ role }}s.source,
        {{ identity_group('result_' ~ role ~ 's.source') }} as identity_group,
        result_{{ role }}s.last_race_date

    from runners
    inner join result_{{ role }}s on runners.{{ role }}_key = result_{{ role }}s.{{ role }}_key
    where runners.{{ role }}_name is not null

),

---------- card entries: names only

card_{{ role }}s as (

    select
        source,
        {{ identity_group('source') }} as identity_group,
        lower({{ role }}_name) as name_key,
        {{ role }}_name,
        race_date,
        race_key,
        horse_key

    from {{ ref('stg_card_runners') }}
    where {{ role }}_name is not null

),

-- one per identity (group + name), whichever card source listed it; keyed by the group's own source if among them
card_identities as (

    select
        identity_group,
        name_key,
        case when bool_or(source = identity_group) then identity_group else min(source) end as source,
        (array_agg({{ role }}_name order by race_date desc, race_key desc))[1] as {{ role }}_name,
        min(race_date) as first_seen_on_card,
        count(*) as card_entries,
        count(distinct horse_key) as horses

    from card_{{ role }}s
    group by identity_group, name_key

),

card_keyed as (

    select *, source || ':name:' || name_key as card_{{ role }}_key
    from card_identities

),

resolved as (

    select distinct on (card_keyed.card_{{ role }}_key)
        card_keyed.*,
        result_names.{{ role }}_key as result_{{ role }}_key

    from card_keyed
    left join result_names
        on result_names.identity_group = card_keyed.identity_group
        and result_names.name_key = card_keyed.name_key
    order by
        card_keyed.card_{{ role }}_key,
        (result_names.source = card_keyed.identity_group) desc nulls last,
        result_names.last_race_date desc nulls last,
        result_names.{{ role }}_key

),

card_seen as (

    select
        coalesce(result_{{ role }}_key, card_{{ role }}_key) as {{ role }}_key,
        min(first_seen_on_card) as first_seen_on_card,
        sum(card_entries) as card_entries

    from resolved
    group by 1

),

{{ role }}s as (

    select
        {{ role }}_key, source, {{ role }}_id, {{ role }}_name,
        first_race_date, last_race_date, race_entries, horses, true as has_results

    from result_{{ role }}s

    union all

    select
        card_{{ role }}_key, source, null::text, {{ role }}_name,
        null::date, null::date, 0::bigint, horses, false

    from resolved
    where result_{{ role }}_key is null

),

final as (

    select

        ---------- ids
        {{ role }}s.{{ role }}_key,
        {{ role }}s.source,
        {{ role }}s.{{ role }}_id,

        ---------- descriptors
        {{ role }}s.{{ role }}_name,

        ---------- activity
        {{ role }}s.has_results,
        {{ role }}s.first_race_date,
        {{ role }}s.last_race_date,
        {{ role }}s.race_entries,
        {{ role }}s.horses,
        card_seen.first_seen_on_card,
        coalesce(card_seen.card_entries, 0) as card_entries

    from {{ role }}s
    left join card_seen on {{ role }}s.{{ role }}_key = card_seen.{{ role }}_key

)

select * from final
{% endmacro %}
