{#-
    Identity (README): every race-card entry resolves to exactly one row of each dim (card_entries add up to the
    entries), and a card-only row (has_results false) never duplicates a row of the same identity: for horses the same
    identity group + horse_id, for people the same identity group + name.
-#}

with

card as (

    select
        count(*) as horses,
        count(jockey_name) as jockeys,
        count(trainer_name) as trainers

    from {{ ref('stg_card_runners') }}

),

counted as (

    select 'dim_horses' as dim, (select coalesce(sum(card_entries), 0) from {{ ref('dim_horses') }}) as resolved,
           (select horses from card) as expected
    union all
    select 'dim_jockeys', (select coalesce(sum(card_entries), 0) from {{ ref('dim_jockeys') }}), (select jockeys from card)
    union all
    select 'dim_trainers', (select coalesce(sum(card_entries), 0) from {{ ref('dim_trainers') }}), (select trainers from card)

),

horse_duplicates as (

    select 'dim_horses' as dim, identity_key as identity, count(*) as rows_with_identity
    from {{ ref('dim_horses') }}
    group by identity_key
    having count(*) > 1 and bool_or(not has_results)

),

people as (

    select 'dim_jockeys' as dim, {{ identity_group('source') }} as identity_group, lower(jockey_name) as name_key,
           has_results
    from {{ ref('dim_jockeys') }}
    union all
    select 'dim_trainers', {{ identity_group('source') }}, lower(trainer_name), has_results
    from {{ ref('dim_trainers') }}

),

people_duplicates as (

    select dim, identity_group || ':' || name_key as identity, count(*) as rows_with_identity
    from people
    group by dim, identity_group, name_key
    having count(*) > 1 and bool_or(not has_results)

)

select dim, 'card entries resolved ' || resolved || ' of ' || expected as problem
from counted
where resolved <> expected

union all

select dim, 'card-only row duplicates ' || identity || ' (' || rows_with_identity || ' rows)'
from horse_duplicates

union all

select dim, 'card-only row duplicates ' || identity || ' (' || rows_with_identity || ' rows)'
from people_duplicates
