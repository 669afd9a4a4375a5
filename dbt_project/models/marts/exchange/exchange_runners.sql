{#- The scheduled snapshots the mart pivots: column suffix -> offset from the scheduled off, in seconds. -#}
{% set offsets = {'t60': -3600, 't30': -1800, 't10': -600, 't5': -300, 't1': -60} %}

with

runners as (

    select * from {{ ref('stg_exchange_runners') }}

),

markets as (

    select market_id, sport, market_type, market_time, is_settled, number_of_winners, winner_count
    from {{ ref('stg_exchange_markets') }}

),

prices as (

    select * from {{ ref('stg_exchange_prices') }}

),

scheduled as (

    select
        market_id,
        selection_id,
        {%- for name, offset in offsets.items() %}
        max(back_1_price) filter (where offset_seconds = {{ offset }}) as back_price_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}

    from prices
    where snapshot_kind = 'scheduled'
    group by market_id, selection_id

),

pre_off as (

    select distinct on (market_id, selection_id)
        market_id,
        selection_id,
        snapshot_at as pre_off_at,
        back_1_price as pre_off_back_price,
        back_1_size as pre_off_back_size,
        lay_1_price as pre_off_lay_price,
        lay_1_size as pre_off_lay_size

    from prices
    where snapshot_kind = 'last_pre_off'
    order by market_id, selection_id, snapshot_at desc

),

books as (

    select
        runners.market_id,
        runners.selection_id,
        runners.is_removed,
        scheduled.back_price_t60, scheduled.back_price_t30, scheduled.back_price_t10,
        scheduled.back_price_t5, scheduled.back_price_t1,
        pre_off.pre_off_back_price

    from runners
    left join scheduled using (market_id, selection_id)
    left join pre_off using (market_id, selection_id)

),

implied as (

    select
        books.market_id,
        {%- for name in offsets %}
        round(sum(1 / back_price_{{ name }}), 4) as implied_sum_{{ name }},
        {%- endfor %}
        round(sum(1 / pre_off_back_price), 4) as implied_sum_pre_off

    from books
    inner join markets on markets.market_id = books.market_id and markets.market_type = 'WIN'
    where not books.is_removed
    group by books.market_id

),

final as (

    select

        ---------- ids
        runners.runner_key,
        runners.market_id,
        runners.selection_id,
        markets.sport,
        markets.market_type,
        markets.market_time,

        ---------- runner and result
        runners.runner_name,
        runners.sort_priority,
        runners.status,
        runners.is_removed,
        runners.is_winner,
        runners.adjustment_factor,
        runners.removal_date,
        markets.is_settled,

        ---------- prices and volume
        runners.bsp,
        runners.last_traded_price,
        runners.total_matched,
        {%- for name in offsets %}
        scheduled.back_price_{{ name }},
        {%- endfor %}
        pre_off.pre_off_at,
        pre_off.pre_off_back_price,
        pre_off.pre_off_back_size,
        pre_off.pre_off_lay_price,
        pre_off.pre_off_lay_size,
        case when not runners.is_removed and markets.is_settled and runners.bsp is not null then
            rank() over (partition by runners.market_id, not runners.is_removed and runners.bsp is not null
                         order by runners.bsp)
        end as bsp_rank,

        ---------- market book
        {%- for name in offsets %}
        implied.implied_sum_{{ name }},
        {%- endfor %}
        implied.implied_sum_pre_off,

        ---------- settlement at BSP
        case
            when not markets.is_settled or runners.is_removed or runners.bsp is null then null
            when runners.is_winner and markets.winner_count > markets.number_of_winners
                then round(runners.bsp * markets.number_of_winners / markets.winner_count, 4)
            when runners.is_winner then runners.bsp
            else 0
        end as bsp_return

    from runners
    inner join markets on markets.market_id = runners.market_id
    left join scheduled on scheduled.market_id = runners.market_id and scheduled.selection_id = runners.selection_id
    left join pre_off on pre_off.market_id = runners.market_id and pre_off.selection_id = runners.selection_id
    left join implied on implied.market_id = runners.market_id

)

select * from final
