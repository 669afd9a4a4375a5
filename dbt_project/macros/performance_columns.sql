{#-
    The aggregate columns every stats model shares. Expects one row per start with boolean won/placed/showed and
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
