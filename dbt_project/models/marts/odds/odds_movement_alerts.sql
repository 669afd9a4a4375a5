{#-
    A price whose implied probability moved by more than var `odds_alert_threshold` (default 0.30 = 30 %, relative)
    against any earlier snapshot of the same book, outcome and point within var `odds_alert_window_hours`
    (default 24). One row per alerted snapshot, against the earlier snapshot with the largest move.
-#}
{% set threshold = var('odds_alert_threshold', 0.30) %}
{% set window_hours = var('odds_alert_window_hours', 24) %}

with

odds as (

    select * from {{ ref('fct_odds') }}

),

pairs as (

    select

        later.*,
        earlier.snapshot_time as from_snapshot_time,
        earlier.price_decimal as from_price_decimal,
        earlier.implied_probability as from_implied_probability,
        (later.implied_probability - earlier.implied_probability) / earlier.implied_probability
            as implied_probability_change_pct

    from odds as later
    inner join odds as earlier
        on later.event_id = earlier.event_id
        and later.bookmaker = earlier.bookmaker
        and later.market = earlier.market
        and later.outcome = earlier.outcome
        and later.description is not distinct from earlier.description
        and later.point is not distinct from earlier.point
        and earlier.snapshot_time < later.snapshot_time
        and earlier.snapshot_time >= later.snapshot_time - interval '{{ window_hours }} hours'

),

strongest as (

    select

        pairs.*,
        row_number() over (
            partition by snapshot_id, bookmaker, market, outcome, description
            order by abs(implied_probability_change_pct) desc, from_snapshot_time
        ) as move_rank

    from pairs
    where abs(implied_probability_change_pct) > {{ threshold }}

),

final as (

    select

        ---------- ids
        event_id,
        sport,
        commence_time,
        bookmaker,
        market,
        outcome,
        description,
        point,
        snapshot_id,

        ---------- the move
        from_snapshot_time,
        snapshot_time,
        round(extract(epoch from snapshot_time - from_snapshot_time) / 60, 1) as minutes_between,
        from_price_decimal,
        price_decimal,
        from_implied_probability,
        implied_probability,
        implied_probability - from_implied_probability as implied_probability_change,
        implied_probability_change_pct,
        case when implied_probability > from_implied_probability then 'shortened' else 'drifted' end as direction,

        ---------- settings the alert was raised under
        {{ threshold }}::numeric as threshold,
        {{ window_hours }}::numeric as window_hours

    from strongest
    where move_rank = 1

)

select * from final
