with

source as (

    select * from {{ source('racecards', 'card_runners') }}

),

renamed as (

    select

        ---------- ids
        _source || ':' || race_id || ':' || horse_number as card_runner_key,
        _source || ':' || race_id as race_key,
        _source || ':' || horse_id as horse_key,
        _source as source,
        race_id,
        horse_id,

        ---------- dates
        race_date,
        fetched_at,

        ---------- names
        regexp_replace(trim(horse_name), '\s+', ' ', 'g') as horse_name,
        nullif(regexp_replace(trim(jockey_name), '\s+', ' ', 'g'), '') as jockey_name,
        nullif(regexp_replace(trim(trainer_name), '\s+', ' ', 'g'), '') as trainer_name,

        ---------- entry
        horse_number,
        post_position,
        horse_age,
        weight_lbs,
        coalesce(scratched, false) as scratched,
        coalesce(jockey_changed, false) as jockey_changed,

        ---------- odds
        nullif(trim(morning_line), '') as morning_line,
        {{ odds_text_to_decimal('morning_line') }} as morning_line_odds,

        ---------- lineage
        _partition,
        _loaded_at,
        _run_id

    from source

)

select * from renamed
