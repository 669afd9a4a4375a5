with

source as (

    select * from {{ source('raw_exchange', 'exchange_markets') }}

),

renamed as (

    select

        ---------- ids
        market_id,
        _source as source,
        event_id,
        event_type_id,
        sport,

        ---------- descriptors
        nullif(trim(event_name), '') as event_name,
        nullif(trim(market_name), '') as market_name,
        upper(trim(market_type)) as market_type,
        nullif(trim(venue), '') as venue,
        upper(trim(country_code)) as country_code,
        timezone,

        ---------- timestamps
        market_date,
        market_time,
        open_date,
        went_in_play_at,
        closed_at,
        first_published_at,
        last_published_at,

        ---------- terms
        number_of_winners,
        market_base_rate,
        bsp_market,
        bsp_reconciled,
        turn_in_play_enabled,

        ---------- state and field
        upper(trim(status)) as status,
        upper(trim(status)) = 'CLOSED' as is_settled,
        runner_count,
        active_runner_count,
        winner_count,
        total_matched,
        updates,

        ---------- lineage
        source_file,
        _partition,
        _loaded_at,
        _run_id

    from source

)

select * from renamed
