with

odds as (

    select * from {{ ref('fct_odds') }}

),

sequenced as (

    select

        odds.*,
        row_number() over series as snapshot_seq,
        lag(snapshot_time) over series as previous_snapshot_time,
        lag(point) over series as previous_point,
        lag(price_american) over series as previous_price_american,
        lag(price_decimal) over series as previous_price_decimal,
        lag(implied_probability) over series as previous_implied_probability

    from odds
    window series as (partition by event_id, bookmaker, market, outcome, description order by snapshot_time)

),

final as (

    select

        ---------- ids
        event_id,
        sport,
        bookmaker,
        market,
        outcome,
        description,
        snapshot_id,
        commence_time,

        ---------- time
        snapshot_seq,
        snapshot_time,
        previous_snapshot_time,
        round(extract(epoch from snapshot_time - previous_snapshot_time) / 60, 1) as minutes_since_previous,
        fetch_tier,
        is_pre_start,

        ---------- line
        point,
        previous_point,
        snapshot_seq > 1 and point is distinct from previous_point as is_point_changed,

        ---------- price
        price_american,
        previous_price_american,
        price_decimal,
        previous_price_decimal,
        price_decimal - previous_price_decimal as price_change,

        ---------- implied probability
        implied_probability,
        previous_implied_probability,
        implied_probability - previous_implied_probability as implied_probability_change,
        (implied_probability - previous_implied_probability) / previous_implied_probability
            as implied_probability_change_pct

    from sequenced

)

select * from final
