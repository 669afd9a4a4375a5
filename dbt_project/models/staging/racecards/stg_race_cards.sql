with

source as (

    select * from {{ source('racecards', 'card_races') }}

),

renamed as (

    select

        ---------- ids
        _source || ':' || race_id as race_key,
        _source as source,
        race_id,
        upper(trim(track_code)) as track_code,
        race_number,

        ---------- timestamps
        race_date,
        post_time,
        fetched_at,

        ---------- distance
        distance,
        lower(trim(distance_unit)) as distance_unit,
        round({{ distance_to_metres('distance', 'distance_unit') }} / 201.168, 2) as distance_f,

        ---------- conditions
        nullif(lower(trim(surface)), '') as surface,
        nullif(lower(trim(going)), '') as going,
        nullif(trim(race_class), '') as race_class,
        nullif(trim(race_type), '') as race_type,
        runner_count,

        ---------- money
        purse,
        upper(trim(currency)) as currency,

        ---------- lineage
        _partition,
        _loaded_at,
        _run_id

    from source

),

banded as (

    select
        *,
        {{ distance_band('distance_f') }} as distance_band

    from renamed

)

select * from banded
