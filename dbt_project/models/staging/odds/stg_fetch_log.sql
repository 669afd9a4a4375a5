with

source as (

    select * from {{ source('ops', 'fetch_log') }}

),

renamed as (

    select

        ---------- ids
        id as fetch_id,
        site,
        parser,
        url,

        ---------- attempt
        fetched_at,
        attempt,
        status as http_status,
        error,
        bytes,
        ms as duration_ms,
        rows_parsed,

        ---------- quota headers (The Odds API; null for other sites)
        {{ odds_json_number('meta', 'x-requests-remaining') }} as quota_remaining,
        {{ odds_json_number('meta', 'x-requests-used') }} as quota_used,
        {{ odds_json_number('meta', 'x-requests-last') }} as quota_last_cost

    from source

)

select * from renamed
