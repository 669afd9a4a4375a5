with

odds as (

    select * from {{ ref('fct_odds') }}
    where is_pre_start  -- in-play prices are neither opening nor closing lines

),

ranked as (

    select

        odds.*,
        row_number() over (series order by snapshot_time) as from_first,
        row_number() over (series order by snapshot_time desc) as from_last,
        count(*) over series as snapshots

    from odds
    window series as (partition by event_id, bookmaker, market, outcome, description)

),

opening as (

    select * from ranked where from_first = 1

),

closing as (

    select * from ranked where from_last = 1

),

final as (

    select

        ---------- ids
        opening.event_id,
        opening.sport,
        opening.bookmaker,
        opening.market,
        opening.outcome,
        opening.description,
        opening.commence_time,
        opening.snapshots,

        ---------- opening line (first snapshot)
        opening.snapshot_time as opening_snapshot_time,
        opening.fetch_tier as opening_fetch_tier,
        opening.point as opening_point,
        opening.price_american as opening_price_american,
        opening.price_decimal as opening_price_decimal,
        opening.implied_probability as opening_implied_probability,

        ---------- closing line (last snapshot before the start)
        closing.snapshot_time as closing_snapshot_time,
        closing.fetch_tier as closing_fetch_tier,
        closing.point as closing_point,
        closing.price_american as closing_price_american,
        closing.price_decimal as closing_price_decimal,
        closing.implied_probability as closing_implied_probability,

        ---------- movement
        closing.price_decimal - opening.price_decimal as price_change,
        closing.implied_probability - opening.implied_probability as implied_probability_change,
        opening.commence_time <= now() as is_closing_final

    from opening
    inner join closing
        on opening.event_id = closing.event_id
        and opening.bookmaker = closing.bookmaker
        and opening.market = closing.market
        and opening.outcome = closing.outcome
        and opening.description is not distinct from closing.description

)

select * from final
