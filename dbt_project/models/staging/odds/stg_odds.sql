with

source as (

    select * from {{ source('raw_odds', 'odds') }}

),

renamed as (

    select

        ---------- ids
        snapshot_id,
        event_id,
        bookmaker,
        market,
        outcome,
        description,
        point::numeric as point,

        ---------- prices
        price_american,
        price_decimal::numeric as price_decimal,

        ---------- times
        snapshot_time,
        bookmaker_last_update,
        market_last_update,

        ---------- validation
        is_valid,
        validation_notes

    from source

)

select * from renamed
