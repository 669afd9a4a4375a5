{#- Win rate against what the Betfair Starting Price implied, and the flat-stake return at BSP, over a group of
    exchange_runners rows: the three numbers every exchange stat compares (trap, favourite band, ...). -#}
{% macro bsp_outcome_columns() %}
        count(*) filter (where is_winner) as wins,
        round(avg(case when is_winner then 1.0 else 0.0 end), 4) as win_rate,
        round(avg(1 / bsp), 4) as bsp_implied_win_rate,
        round(avg(bsp_return) - 1, 4) as bsp_roi
{%- endmacro %}
