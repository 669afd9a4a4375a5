with

source as (

    select * from {{ source('raw_exchange', 'exchange_runners') }}

),

renamed as (

    select

        ---------- ids
        market_id || ':' || selection_id as runner_key,
        market_id,
        selection_id,
        _source as source,
        nullif(trim(runner_name), '') as runner_name,
        sort_priority,
        handicap,

        ---------- result
        upper(trim(status)) as status,
        upper(trim(status)) = 'REMOVED' as is_removed,
        upper(trim(status)) = 'WINNER' as is_winner,
        adjustment_factor,
        removal_date,

        ---------- prices and volume
        bsp,
        last_traded_price,
        last_traded_price_final,
        total_matched,

        ---------- lineage
        market_date,
        _loaded_at,
        _run_id

    from source

)

select * from renamed
