with

races as (

    select * from {{ ref('stg_races') }}

),

tracks as (

    select
        track_key,
        min(source) as source,
        min(track_code) as track_code,
        min(currency) as currency,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date,
        count(*) as races

    from races
    group by track_key

),

final as (

    select

        ---------- ids
        track_key,
        source,
        track_code,

        ---------- descriptors
        case track_code
            when 'BEL' then 'Belmont Park'
            when 'CD' then 'Churchill Downs'
            when 'SA' then 'Santa Anita Park'
            when 'DMR' then 'Del Mar'
            when 'AQU' then 'Aqueduct'
            when 'ST' then 'Sha Tin'
            when 'HV' then 'Happy Valley'
            else track_code
        end as track_name,
        case currency
            when 'USD' then 'US'
            when 'HKD' then 'HK'
        end as country,
        currency,

        ---------- activity
        first_race_date,
        last_race_date,
        races

    from tracks

)

select * from final
