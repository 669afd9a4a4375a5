with

source as (

    select * from {{ source('raw_odds', 'events') }}

),

renamed as (

    select

        ---------- ids
        id as event_id,
        sport,
        sport_title,

        ---------- teams
        home_team,
        away_team,

        ---------- times
        commence_time,

        ---------- result
        status,
        completed as is_completed,
        scores,
        (scores ->> home_team)::integer as home_score,
        (scores ->> away_team)::integer as away_score,
        last_update as scores_last_update,

        ---------- lineage
        first_seen_at,
        updated_at

    from source

)

select * from renamed
