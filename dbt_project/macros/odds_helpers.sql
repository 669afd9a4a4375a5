{#- Helpers of the odds models (models/staging/odds, models/marts/odds). -#}

{#- A JSON text field as numeric; null when missing or not a number (headers are strings: "19946", "19946.0"). -#}
{% macro odds_json_number(json_column, key) -%}
    case
        when ({{ json_column }} ->> '{{ key }}') ~ '^\s*-?[0-9]+(\.[0-9]+)?\s*$'
            then trim({{ json_column }} ->> '{{ key }}')::numeric
    end
{%- endmacro %}

{#- Implied probability of a decimal price (with the book's margin): 1 / price; null for prices not above 1. -#}
{% macro odds_implied_probability(price_decimal) -%}
    case when {{ price_decimal }} > 1 then 1.0 / {{ price_decimal }} end
{%- endmacro %}

{#-
    The line an outcome belongs to, so that the outcomes of one line can be compared and normalised together:
    h2h -> null; totals -> the point (Over and Under share it); spreads and alternate_spreads -> the home team's
    handicap (the away side's point is negated, so "Home -3.5" and "Away +3.5" are one line). The line alone does not
    identify it where outcomes carry a description (team_totals: each team's Over/Under is its own line), so the
    marts partition by (event, market, description, line).
-#}
{% macro odds_line(market, outcome, point, away_team) -%}
    case
        when {{ market }} in ('spreads', 'alternate_spreads') and {{ outcome }} = {{ away_team }} then -{{ point }}
        else {{ point }}
    end
{%- endmacro %}

{#- Row-level price sanity of ingestion/odds_api/validate.py: decimal above 1, American within +-[100, 10000]. -#}
{% macro odds_price_is_sane(price_american, price_decimal) -%}
    ({{ price_decimal }} > 1 and abs({{ price_american }}) between 100 and 10000)
{%- endmacro %}
