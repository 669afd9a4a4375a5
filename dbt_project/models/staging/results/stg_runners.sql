with

source as (

    select * from {{ source('raw', 'runners') }}

),

renamed as (

    select

        ---------- ids
        _source || ':' || race_id || ':' || horse_id as runner_key,
        _source || ':' || race_id as race_key,
        _source || ':' || horse_id as horse_key,
        _source || ':' || nullif(trim(jockey_id), '') as jockey_key,
        _source || ':' || nullif(trim(trainer_id), '') as trainer_key,
        _source as source,
        race_id,
        horse_id,
        nullif(trim(jockey_id), '') as jockey_id,
        nullif(trim(trainer_id), '') as trainer_id,

        ---------- dates
        race_date,

        ---------- names
        regexp_replace(trim(horse_name), '\s+', ' ', 'g') as horse_name,
        nullif(regexp_replace(trim(jockey_name), '\s+', ' ', 'g'), '') as jockey_name,
        nullif(regexp_replace(trim(trainer_name), '\s+', ' ', 'g'), '') as trainer_name,

        ---------- entry
        horse_number,
        post_position,
        horse_age,
        weight_lbs,
        horse_weight_lbs,

        ---------- odds
        nullif(trim(morning_line), '') as morning_line,
        {{ odds_text_to_decimal('morning_line') }} as morning_line_odds,
        final_odds,

        ---------- result
        lower(trim(status)) as status,
        finish_position,
        margin_lengths,
        finish_time_s,

        ---------- lineage
        _partition,
        _loaded_at,
        _run_id

    from source

),

flagged as (

    select
        *,
        -- text was there but odds_text_to_decimal() could not read it ("N/A", "SCR", "1/0")
        morning_line is not null and morning_line_odds is null as morning_line_parse_failed

    from renamed

)

select * from flagged
