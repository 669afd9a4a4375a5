with

runners as (

    select * from {{ ref('exchange_runners') }}
    where sport = 'greyhound_racing' and market_type = 'WIN' and is_settled and not is_removed

),

final as (

    select
        sort_priority as trap,
        count(*) as runs,
        count(*) filter (where is_winner) as wins,
        round(avg(case when is_winner then 1.0 else 0.0 end), 4) as win_rate,
        round(avg(1 / bsp), 4) as bsp_implied_win_rate,
        round(avg(bsp_return) - 1, 4) as bsp_roi

    from runners
    group by sort_priority

)

select * from final
