{#-
    Odds text as printed ("5-2", "7/2", "9:5", "EVEN") -> decimal odds including the stake (5-2 -> 3.5, EVEN -> 2.0).
    Anything else (blank, "N/A", "SCR", a bare number, "1/0") -> null; stg_runners flags such text as unparseable.
-#}
{% macro odds_text_to_decimal(column) -%}
    {%- set fraction = "'^(\\d+(?:\\.\\d+)?)\\s*[-/:]\\s*(\\d+(?:\\.\\d+)?)$'" -%}
    case
        when upper(trim({{ column }})) in ('EVEN', 'EVENS', 'EVS', 'EV') then 2.0
        else round(
            1 + (regexp_match(trim({{ column }}), {{ fraction }}))[1]::numeric
              / nullif((regexp_match(trim({{ column }}), {{ fraction }}))[2]::numeric, 0),
            4
        )
    end
{%- endmacro %}
