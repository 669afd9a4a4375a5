with

source as (

    select * from {{ source('raw_odds', 'odds_snapshots') }}

),

renamed as (

    select

        ---------- ids
        snapshot_id,
        event_id,
        sport,
        request_id,

        ---------- fetch
        snapshot_time,
        fetch_tier,
        hours_until_commence,
        bookmaker_count,

        ---------- lineage
        source,
        loaded_at

    from source

)

select * from renamed
