{#- A horse market is linked to a race of the results sources when the venue names the track (its code or name,
    case-insensitive) and the post time is within `exchange_link_minutes` (default 5) of the scheduled off; the
    closest race wins, then the lowest race_key. Greyhound races have no results source: race_key stays null. -#}
{#- The results marts may not exist yet: exchange files can land on a fresh warehouse before the first history load
    (the exchange job does not build them). Then no market is linked, and the next exchange build links them. -#}
-- depends_on: {{ ref('fct_races') }}, {{ ref('dim_tracks') }}
{% set link_minutes = var('exchange_link_minutes', 5) %}
{% set results_built = execute and load_relation(ref('fct_races')) is not none
    and load_relation(ref('dim_tracks')) is not none %}

with

markets as (

    select * from {{ ref('stg_exchange_markets') }}

),

races as (
    {% if not results_built %}
    select null::text as race_key, null::text as race_id, null::timestamptz as post_time,
           null::text as track_code, null::text as track_name
    where false
    {% else %}
    select
        fct_races.race_key,
        fct_races.race_id,
        fct_races.post_time,
        lower(fct_races.track_code) as track_code,
        lower(dim_tracks.track_name) as track_name

    from {{ ref('fct_races') }} as fct_races
    left join {{ ref('dim_tracks') }} as dim_tracks on dim_tracks.track_key = fct_races.track_key
    where fct_races.post_time is not null
    {% endif %}
),

candidates as (

    select
        markets.market_id,
        races.race_key,
        races.race_id,
        row_number() over (
            partition by markets.market_id
            order by abs(extract(epoch from markets.market_time - races.post_time)), races.race_key
        ) as closeness

    from markets
    inner join races
        on lower(markets.venue) in (races.track_code, races.track_name)
        and races.post_time between markets.market_time - interval '{{ link_minutes }} minutes'
                                and markets.market_time + interval '{{ link_minutes }} minutes'
    where markets.sport = 'horse_racing'

),

final as (

    select

        ---------- ids
        markets.market_id,
        markets.source,
        markets.event_id,
        markets.sport,
        candidates.race_key,
        candidates.race_id,

        ---------- descriptors
        markets.event_name,
        markets.market_name,
        markets.market_type,
        markets.venue,
        markets.country_code,

        ---------- timestamps
        markets.market_date,
        markets.market_time,
        markets.went_in_play_at,
        markets.closed_at,

        ---------- terms
        markets.number_of_winners,
        markets.market_base_rate,
        markets.bsp_market,
        markets.bsp_reconciled,

        ---------- state and result
        markets.status,
        markets.is_settled,
        markets.runner_count,
        markets.active_runner_count,
        markets.winner_count,
        markets.is_settled and markets.winner_count > markets.number_of_winners as has_dead_heat,
        markets.total_matched,

        ---------- lineage
        markets.source_file,
        markets._loaded_at

    from markets
    left join candidates
        on candidates.market_id = markets.market_id
        and candidates.closeness = 1

)

select * from final
