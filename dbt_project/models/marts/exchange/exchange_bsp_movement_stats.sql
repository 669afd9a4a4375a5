with

moves as (

    select * from {{ ref('exchange_price_movement') }}
    where is_settled and market_type = 'WIN' and bsp_move is not null

),

returns as (

    select runner_key, bsp_return from {{ ref('exchange_runners') }}

),

final as (

    select
        moves.sport,
        moves.bsp_move,
        count(*) as runners,
        count(*) filter (where moves.is_winner) as winners,
        round(avg(case when moves.is_winner then 1.0 else 0.0 end), 4) as win_rate,
        round(avg(1 / moves.bsp), 4) as bsp_implied_win_rate,
        round(avg(1 / moves.pre_off_back_price), 4) as pre_off_implied_win_rate,
        round(avg(moves.bsp_to_pre_off_ratio), 4) as mean_bsp_to_pre_off_ratio,
        round(avg(returns.bsp_return) - 1, 4) as bsp_roi

    from moves
    inner join returns on returns.runner_key = moves.runner_key
    group by moves.sport, moves.bsp_move

)

select * from final
