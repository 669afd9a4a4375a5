{#- Thresholds (vars, documented in the yml): a runner "steams" when its price shortened by the ratio or more, and
    "drifts" when it lengthened by it; in between it is "stable". -#}
{% set pre_off_ratio = var('exchange_move_ratio', 1.2) %}
{% set bsp_ratio = var('exchange_bsp_move_ratio', 1.1) %}

with

runners as (

    select * from {{ ref('exchange_runners') }}
    where not is_removed

),

moves as (

    select
        runner_key,
        market_id,
        selection_id,
        sport,
        market_type,
        runner_name,
        status,
        is_winner,
        is_settled,
        back_price_t60,
        pre_off_back_price,
        bsp,
        round(pre_off_back_price / back_price_t60, 4) as pre_off_to_t60_ratio,
        round(bsp / pre_off_back_price, 4) as bsp_to_pre_off_ratio,
        round(1 / pre_off_back_price - 1 / back_price_t60, 4) as implied_change_pre_off,
        round(1 / bsp - 1 / pre_off_back_price, 4) as implied_change_bsp

    from runners

),

final as (

    select
        *,
        case
            when pre_off_to_t60_ratio is null then null
            when pre_off_to_t60_ratio <= 1 / {{ pre_off_ratio }}::numeric then 'steam'
            when pre_off_to_t60_ratio >= {{ pre_off_ratio }} then 'drift'
            else 'stable'
        end as pre_off_move,
        case
            when bsp_to_pre_off_ratio is null then null
            when bsp_to_pre_off_ratio <= 1 / {{ bsp_ratio }}::numeric then 'steam'
            when bsp_to_pre_off_ratio >= {{ bsp_ratio }} then 'drift'
            else 'stable'
        end as bsp_move

    from moves

)

select * from final
