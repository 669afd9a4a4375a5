with

source as (

    select * from {{ source('raw_exchange', 'exchange_prices') }}

),

renamed as (

    select

        ---------- ids
        market_id,
        selection_id,
        market_id || ':' || selection_id as runner_key,
        snapshot_kind,

        ---------- timing
        snapshot_at,
        offset_seconds,
        in_play,
        market_status,

        ---------- book
        back_1_price, back_1_size, back_2_price, back_2_size, back_3_price, back_3_size,
        lay_1_price, lay_1_size, lay_2_price, lay_2_size, lay_3_price, lay_3_size,

        ---------- trading
        last_traded_price,
        traded_volume,
        spn,
        spf,
        in_play_min_price,
        in_play_max_price,

        ---------- lineage
        market_date,
        _loaded_at,
        _run_id

    from source

)

select * from renamed
