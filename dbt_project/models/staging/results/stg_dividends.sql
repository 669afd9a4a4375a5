with

source as (

    select * from {{ source('raw', 'dividends') }}

),

renamed as (

    select

        ---------- ids
        _source || ':' || race_id || ':' || lower(trim(pool)) || ':' || regexp_replace(combination, '\s+', '', 'g')
            as dividend_key,
        _source || ':' || race_id as race_key,
        _source as source,
        race_id,

        ---------- dates
        race_date,

        ---------- bet
        lower(trim(pool)) as pool,
        regexp_replace(combination, '\s+', '', 'g') as combination,
        cardinality(string_to_array(regexp_replace(combination, '\s+', '', 'g'), '-')) as combination_size,

        ---------- money
        dividend,
        stake_unit,
        round(dividend / nullif(stake_unit, 0), 4) as payout_per_unit,
        upper(trim(currency)) as currency,

        ---------- lineage
        _partition,
        _loaded_at,
        _run_id

    from source

)

select * from renamed
