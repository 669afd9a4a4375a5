with

odds as (

    select * from {{ ref('stg_odds') }}
    where {{ odds_price_is_sane('price_american', 'price_decimal') }}

),

events as (

    select * from {{ ref('stg_events') }}

),

-- each book's newest snapshot of the event; a market it dropped there has no current price
latest as (

    -- ties on snapshot_time (two polls of the event in the same instant) resolve to one snapshot: never both
    select distinct on (event_id, bookmaker) event_id, bookmaker, snapshot_time, snapshot_id
    from {{ ref('stg_odds') }}
    order by event_id, bookmaker, snapshot_time desc, snapshot_id desc

),

current_odds as (

    select

        odds.*,
        events.sport,
        events.commence_time,
        {{ odds_line('odds.market', 'odds.outcome', 'odds.point', 'events.away_team') }} as line

    from odds
    inner join latest
        on odds.event_id = latest.event_id
        and odds.bookmaker = latest.bookmaker
        and odds.snapshot_time = latest.snapshot_time
        and odds.snapshot_id = latest.snapshot_id
    inner join events on odds.event_id = events.event_id

),

ranked as (

    select

        current_odds.*,
        row_number() over (price order by is_valid desc, price_decimal desc, bookmaker) as valid_rank,
        row_number() over (price order by price_decimal desc, is_valid desc, bookmaker) as any_rank,
        count(*) filter (where is_valid) over price as books,
        count(*) filter (where not is_valid) over price as flagged_books

    from current_odds
    window price as (partition by event_id, market, outcome, description, point)

),

best as (

    select

        any_best.event_id,
        any_best.sport,
        any_best.commence_time,
        any_best.market,
        any_best.line,
        any_best.outcome,
        any_best.description,
        any_best.point,
        any_best.books,
        any_best.flagged_books,

        ---------- best valid price
        valid_best.bookmaker as best_bookmaker,
        valid_best.price_american as best_price_american,
        valid_best.price_decimal as best_price_decimal,
        valid_best.snapshot_time as best_snapshot_time,

        ---------- best price counting flagged rows too (arbitrage hunting lives on them)
        any_best.bookmaker as best_bookmaker_incl_flagged,
        any_best.price_decimal as best_price_decimal_incl_flagged,
        not any_best.is_valid as is_best_flagged,
        any_best.validation_notes as best_validation_notes

    from ranked as any_best
    left join ranked as valid_best
        on any_best.event_id = valid_best.event_id
        and any_best.market = valid_best.market
        and any_best.outcome = valid_best.outcome
        and any_best.description is not distinct from valid_best.description
        and any_best.point is not distinct from valid_best.point
        and valid_best.valid_rank = 1
        and valid_best.is_valid
    where any_best.any_rank = 1

),

final as (

    select

        best.*,
        now() - best_snapshot_time as age,
        round(extract(epoch from now() - best_snapshot_time) / 60, 1) as age_minutes,

        ---------- the line's sum of 1 / best price (< 1 = arbitrage); null unless every outcome is priced
        case when count(best_price_decimal) over line = count(*) over line
            then sum(1 / best_price_decimal) over line end as line_best_implied_sum,
        sum(1 / best_price_decimal_incl_flagged) over line as line_best_implied_sum_incl_flagged,
        count(*) over line as line_outcomes

    from best
    window line as (partition by event_id, market, description, line)

)

select * from final
