with

source as (

    select * from {{ source('raw', 'races') }}

),

renamed as (

    select

        ---------- ids
        _source || ':' || race_id as race_key,
        _source || ':' || upper(trim(track_code)) as track_key,
        _source as source,
        race_id,
        upper(trim(track_code)) as track_code,
        race_number,
        nullif(trim(source_ref), '') as source_ref,

        ---------- timestamps
        race_date,
        post_time,

        ---------- distance
        distance,
        lower(trim(distance_unit)) as distance_unit,
        round({{ distance_to_metres('distance', 'distance_unit') }}, 1) as distance_m,
        round({{ distance_to_metres('distance', 'distance_unit') }} / 201.168, 2) as distance_f,

        ---------- conditions
        nullif(lower(trim(surface)), '') as surface,
        nullif(lower(trim(going)), '') as going,
        {{ going_is_wet('going') }} as is_wet,
        nullif(trim(race_class), '') as race_class,
        nullif(trim(race_type), '') as race_type,

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
