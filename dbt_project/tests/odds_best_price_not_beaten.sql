-- No valid price in fct_odds from a book's latest snapshot beats best_odds.best_price_decimal for its outcome.
with

latest as (

    select event_id, bookmaker, max(snapshot_time) as snapshot_time
    from {{ ref('stg_odds') }}
    group by event_id, bookmaker

),

current_odds as (

    select odds.*
    from {{ ref('fct_odds') }} as odds
    inner join latest
        on odds.event_id = latest.event_id
        and odds.bookmaker = latest.bookmaker
        and odds.snapshot_time = latest.snapshot_time

)

select current_odds.event_id, current_odds.market, current_odds.outcome, current_odds.description, current_odds.point,
    current_odds.bookmaker, current_odds.price_decimal, best.best_price_decimal
from current_odds
left join {{ ref('best_odds') }} as best
    on current_odds.event_id = best.event_id
    and current_odds.market = best.market
    and current_odds.outcome = best.outcome
    and current_odds.description is not distinct from best.description
    and current_odds.point is not distinct from best.point
where best.best_price_decimal is null or current_odds.price_decimal > best.best_price_decimal
