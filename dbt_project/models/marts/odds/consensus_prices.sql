{#-
    No-vig fair probabilities per event, market, line and outcome. Sharp method: the sharp book's (var
    `odds_sharp_book`, default pinnacle) latest valid prices on the line, margin removed multiplicatively,
    p_i = (1/o_i) / sum_j (1/o_j). Fallback for lines the sharp book does not price: the average implied probability
    across every book's latest valid price, normalised to sum to 1.
-#}
with

odds as (

    select * from {{ ref('fct_odds') }}

),

-- each book's newest snapshot of the event (flagged rows included, so a book's flagged line is not replaced by an
-- older valid one)
latest as (

    -- ties on snapshot_time (two polls of the event in the same instant) resolve to one snapshot: never both
    select distinct on (event_id, bookmaker) event_id, bookmaker, snapshot_time, snapshot_id
    from {{ ref('stg_odds') }}
    order by event_id, bookmaker, snapshot_time desc, snapshot_id desc

),

current_odds as (

    select odds.*
    from odds
    inner join latest
        on odds.event_id = latest.event_id
        and odds.bookmaker = latest.bookmaker
        and odds.snapshot_time = latest.snapshot_time
        and odds.snapshot_id = latest.snapshot_id

),

sharp as (

    select

        event_id, sport, commence_time, market, description, line, outcome, point,
        implied_probability / sum(implied_probability) over line as fair_probability,
        sum(implied_probability) over line - 1 as overround,
        count(*) over line as outcomes,
        1 as books,
        bookmaker as source_bookmaker,
        snapshot_time as as_of_snapshot_time

    from current_odds
    where bookmaker = '{{ var("odds_sharp_book", "pinnacle") }}'
    window line as (partition by event_id, market, description, line)

),

market_average as (

    select

        event_id, sport, commence_time, market, description, line, outcome, point,
        avg(implied_probability) as implied_probability,
        count(*) as books,
        max(snapshot_time) as as_of_snapshot_time

    from current_odds
    group by event_id, sport, commence_time, market, description, line, outcome, point

),

market_fair as (

    select

        event_id, sport, commence_time, market, description, line, outcome, point,
        implied_probability / sum(implied_probability) over line as fair_probability,
        sum(implied_probability) over line - 1 as overround,
        count(*) over line as outcomes,
        books,
        null::text as source_bookmaker,
        as_of_snapshot_time

    from market_average
    window line as (partition by event_id, market, description, line)

),

consensus as (

    select *, 'sharp' as method from sharp
    where outcomes >= 2

    union all

    select *, 'market_average' as method from market_fair
    where outcomes >= 2
        and not exists (
            select 1 from sharp
            where sharp.outcomes >= 2
                and sharp.event_id = market_fair.event_id
                and sharp.market = market_fair.market
                and sharp.description is not distinct from market_fair.description
                and sharp.line is not distinct from market_fair.line
        )

),

final as (

    select

        ---------- ids
        event_id,
        sport,
        commence_time,
        market,
        description,
        line,
        outcome,
        point,

        ---------- fair price
        fair_probability,
        1 / fair_probability as fair_price_decimal,

        ---------- how it was derived
        method,
        source_bookmaker,
        books,
        outcomes,
        overround,
        as_of_snapshot_time

    from consensus

)

select * from final
