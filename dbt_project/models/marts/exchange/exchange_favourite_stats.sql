{#- BSP bands of the favourite: lower bound inclusive, upper exclusive. -#}
with

favourites as (

    select * from {{ ref('exchange_runners') }}
    where market_type = 'WIN' and bsp_rank = 1

),

banded as (

    select
        *,
        case
            when bsp < 2 then 1
            when bsp < 3 then 2
            when bsp < 5 then 3
            when bsp < 10 then 4
            else 5
        end as band_order

    from favourites

),

final as (

    select
        sport,
        band_order,
        case band_order
            when 1 then '1.01-2'
            when 2 then '2-3'
            when 3 then '3-5'
            when 4 then '5-10'
            else '10+'
        end as bsp_band,
        count(*) as favourites,
        {{ bsp_outcome_columns() }}

    from banded
    group by sport, band_order

)

select * from final
