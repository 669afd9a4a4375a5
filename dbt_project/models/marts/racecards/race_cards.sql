{#-
    Identity rule: a card's runner is the same horse/jockey/trainer as a history row when both sources fall in the same
    identity group and the horse ids (people: names, case-insensitive) are equal. The demo site publishes the synthetic
    generator's horse ids but only people's names, so by default 'demo' joins the 'synthetic' group; every other source
    is its own group (README: kaggle_hk and hkjc stay apart). A race present in two sources of one group counts once.
    Macro identity_group holds the mapping; the dims resolve card runners to their rows by the same rule.
-#}

with

cards as (

    select * from {{ ref('stg_race_cards') }}
    -- upcoming by default; var race_cards_min_date ('YYYY-MM-DD') shows older cards (backfills, tests)
    where race_date >= {{ "date '" ~ var('race_cards_min_date') ~ "'" if var('race_cards_min_date', none) else 'current_date' }}

),

entries as (

    select
        runners.*,
        {{ identity_group('runners.source') }} as identity_group

    from {{ ref('stg_card_runners') }} as runners
    where race_key in (select race_key from cards)

),

---------- history: every start once per identity group, with the names and race attributes the stats need

history_all as (

    select
        runners.race_id,
        substr(runners.horse_key, length(runners.source) + 2) as horse_id,  -- horse_key = source:horse_id
        runners.source,
        {{ identity_group('runners.source') }} as identity_group,
        runners.race_date,
        races.post_time,
        runners.finish_position,
        runners.won,
        runners.placed,
        races.surface,
        races.distance_band,
        lower(jockeys.jockey_name) as jockey_name_key,
        lower(trainers.trainer_name) as trainer_name_key

    from {{ ref('fct_runners') }} as runners
    inner join {{ ref('fct_races') }} as races on runners.race_key = races.race_key
    left join {{ ref('dim_jockeys') }} as jockeys on runners.jockey_key = jockeys.jockey_key
    left join {{ ref('dim_trainers') }} as trainers on runners.trainer_key = trainers.trainer_key
    where runners.is_start

),

history as (

    -- the group's own source wins when a race was loaded twice (synthetic history and demo results of one day)
    select distinct on (identity_group, race_id, horse_id) *
    from history_all
    order by identity_group, race_id, horse_id, (source = identity_group) desc

),

---------- the horse's record before the card's race date (no peeking at today's results)

horse_starts as (

    select
        entries.card_runner_key,
        cards.surface as card_surface,
        cards.distance_band as card_distance_band,
        entries.race_date as card_date,
        history.*,
        row_number() over (
            partition by entries.card_runner_key
            order by history.race_date desc, history.post_time desc nulls last, history.race_id desc
        ) as recency

    from entries
    inner join cards on entries.race_key = cards.race_key
    inner join history
        on history.identity_group = entries.identity_group
        and history.horse_id = entries.horse_id
        and history.race_date < entries.race_date

),

horse_form as (

    select
        card_runner_key,
        count(*) as starts,
        round(avg(won::int), 4) as win_rate,
        round(avg(placed::int), 4) as place_rate,
        count(*) filter (where surface = card_surface) as surface_starts,
        round(avg(won::int) filter (where surface = card_surface), 4) as surface_win_rate,
        round(avg(placed::int) filter (where surface = card_surface), 4) as surface_place_rate,
        count(*) filter (where distance_band = card_distance_band) as distance_band_starts,
        round(avg(won::int) filter (where distance_band = card_distance_band), 4) as distance_band_win_rate,
        round(avg(placed::int) filter (where distance_band = card_distance_band), 4) as distance_band_place_rate,
        min(card_date) - max(race_date) as days_since_last_run,
        string_agg(coalesce(finish_position::text, 'x'), '-' order by recency)
            filter (where recency <= 5) as last_5_form

    from horse_starts
    group by card_runner_key

),

---------- connections: the 365 days before the card's race date

connections as (

    select
        entries.card_runner_key,
        count(*) filter (where history.jockey_name_key = lower(entries.jockey_name)) as jockey_starts_365d,
        round(avg(history.won::int) filter (where history.jockey_name_key = lower(entries.jockey_name)), 4)
            as jockey_win_rate_365d,
        count(*) filter (where history.trainer_name_key = lower(entries.trainer_name)) as trainer_starts_365d,
        round(avg(history.won::int) filter (where history.trainer_name_key = lower(entries.trainer_name)), 4)
            as trainer_win_rate_365d,
        count(*) filter (
            where history.jockey_name_key = lower(entries.jockey_name)
            and history.trainer_name_key = lower(entries.trainer_name)
        ) as partnership_starts_365d,
        round(avg(history.won::int) filter (
            where history.jockey_name_key = lower(entries.jockey_name)
            and history.trainer_name_key = lower(entries.trainer_name)
        ), 4) as partnership_win_rate_365d

    from entries
    inner join history
        on history.identity_group = entries.identity_group
        and (history.jockey_name_key = lower(entries.jockey_name)
             or history.trainer_name_key = lower(entries.trainer_name))
        and history.race_date >= entries.race_date - 365
        and history.race_date < entries.race_date
    group by entries.card_runner_key

),

final as (

    select

        ---------- ids
        entries.card_runner_key,
        entries.race_key,
        entries.horse_key,
        entries.source,
        entries.identity_group,
        dim_horse.horse_key as dim_horse_key,
        cards.race_id,

        ---------- race
        cards.race_date,
        cards.track_code,
        cards.race_number,
        cards.post_time,
        cards.distance_f,
        cards.distance_band,
        cards.surface,
        cards.going,
        cards.race_type,
        cards.purse,
        cards.runner_count,

        ---------- entry
        entries.horse_number,
        entries.post_position,
        entries.horse_id,
        entries.horse_name,
        entries.horse_age,
        entries.jockey_name,
        entries.jockey_changed,
        entries.trainer_name,
        entries.weight_lbs,
        entries.morning_line,
        entries.morning_line_odds,
        entries.scratched,

        ---------- horse form (before race_date)
        coalesce(horse_form.starts, 0) as starts,
        horse_form.win_rate,
        horse_form.place_rate,
        coalesce(horse_form.surface_starts, 0) as surface_starts,
        horse_form.surface_win_rate,
        horse_form.surface_place_rate,
        coalesce(horse_form.distance_band_starts, 0) as distance_band_starts,
        horse_form.distance_band_win_rate,
        horse_form.distance_band_place_rate,
        horse_form.days_since_last_run,
        horse_form.last_5_form,

        ---------- connections (365 days before race_date)
        coalesce(connections.jockey_starts_365d, 0) as jockey_starts_365d,
        connections.jockey_win_rate_365d,
        coalesce(connections.trainer_starts_365d, 0) as trainer_starts_365d,
        connections.trainer_win_rate_365d,
        coalesce(connections.partnership_starts_365d, 0) as partnership_starts_365d,
        connections.partnership_win_rate_365d,

        ---------- lineage
        cards.fetched_at as card_fetched_at

    from entries
    inner join cards on entries.race_key = cards.race_key
    left join horse_form on entries.card_runner_key = horse_form.card_runner_key
    left join connections on entries.card_runner_key = connections.card_runner_key
    -- the dim row the identity rule resolves the horse to: a result row first (the group's own source first), else
    -- the card-only row dim_horses made for it
    left join lateral (
        select horses.horse_key
        from {{ ref('dim_horses') }} as horses
        where horses.identity_key = entries.identity_group || ':' || entries.horse_id
        order by horses.has_results desc, (horses.source = entries.identity_group) desc, horses.horse_key
        limit 1
    ) as dim_horse on true

)

select * from final
