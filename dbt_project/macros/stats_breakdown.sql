{#-
    The shape every stats model (models/marts/stats) shares, in one place so the four cannot drift:
    a CTE of one row per start carrying performance_inputs(), then stats_breakdown() counting each start once per
    dimension and aggregating it with performance_columns(); the final select lists performance_record().
-#}

{#- The per-start columns performance_columns() reads, taken from fct_runners (`relation`). -#}
{% macro performance_inputs(relation) -%}
        {{ relation }}.race_date,
        {{ relation }}.won,
        {{ relation }}.placed,
        {{ relation }}.showed,
        {{ relation }}.win_bet_return as win_return
{%- endmacro %}

{#-
    The aggregate columns of a group of starts. Expects one row per start with boolean won/placed/showed and
    win_return (what 1 unit on the win pool paid back, 0 if lost).
-#}
{% macro performance_columns() -%}
        count(*) as starts,
        count(*) filter (where won) as wins,
        count(*) filter (where placed) as places,
        count(*) filter (where showed) as shows,
        round(count(*) filter (where won)::numeric / count(*), 4) as win_rate,
        round(count(*) filter (where placed)::numeric / count(*), 4) as place_rate,
        round(count(*) filter (where showed)::numeric / count(*), 4) as show_rate,
        round((sum(win_return) - count(*)) / count(*), 4) as win_roi,
        min(race_date) as first_race_date,
        max(race_date) as last_race_date
{%- endmacro %}

{#- performance_columns()' outputs as read from `relation` (the aggregated CTE), in the same order. -#}
{% macro performance_record(relation) -%}
    {%- for column in ['starts', 'wins', 'places', 'shows', 'win_rate', 'place_rate', 'show_rate', 'win_roi',
                       'first_race_date', 'last_race_date'] %}
        {{ relation }}.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#-
    The CTEs `dimensioned` (only with dimensions) and `aggregated`, each followed by a comma.
    starts:     the CTE of one row per start (with performance_inputs() and the dimension columns)
    keys:       the columns one row of the model is about (['horse_key'], ['jockey_key', 'trainer_key'])
    dimensions: [(dimension name, column of `starts`)]; every start is also counted once as ('overall', 'all'),
                and a null attribute counts as 'unknown'. Without dimensions `aggregated` is one row per keys.
-#}
{% macro stats_breakdown(starts, keys, dimensions=[]) -%}
{%- set group_by = keys + (['dimension', 'dimension_value'] if dimensions else []) -%}
{%- if dimensions -%}
---------- breakdowns: every start counted once per dimension

dimensioned as (

    select
        {{ starts }}.*,
        dims.dimension,
        coalesce(dims.dimension_value, 'unknown') as dimension_value

    from {{ starts }}
    cross join lateral (
        values
            ('overall', 'all'),
            {%- for name, column in dimensions %}
            ('{{ name }}', {{ starts }}.{{ column }}){{ ',' if not loop.last }}
            {%- endfor %}
    ) as dims (dimension, dimension_value)

),

{% endif -%}
aggregated as (

    select
        {%- for column in group_by %}
        {{ column }},
        {%- endfor %}
        {{ performance_columns() }}

    from {{ 'dimensioned' if dimensions else starts }}
    group by {{ group_by | join(', ') }}

),
{%- endmacro %}
