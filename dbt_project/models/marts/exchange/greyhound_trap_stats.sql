with

runners as (

    select * from {{ ref('exchange_runners') }}
    where sport = 'greyhound_racing' and market_type = 'WIN' and is_settled and not is_removed

),

final as (

    select
        sort_priority as trap,
        count(*) as runs,
        {{ bsp_outcome_columns() }}

    from runners
    group by sort_priority

)

select * from final
