{#-
    Odds text -> decimal odds including the stake, rounded to 4 dp; null when the text is not odds.

    The grammar of backtests.betting.odds.odds_from_text (the project's one odds converter), implemented exactly here;
    tests/integration/test_odds_text_parity.py checks the two on one table of strings in real PostgreSQL:
      evens        EV, EVS, EVN, EVEN, EVENS (any case)                  -> 2.0
      fractional   a/b, a-b, a:b (1-6 digits each, a > 0 and b > 0)      -> 1 + a/b   ("0/1", "5/0", "2.5-1": null)
      American     +a or -a (3-7 digits, |a| >= 100)                     -> 1 + a/100, 1 + 100/|a|
      decimal      d or d.ddd (1-6 digits each side), above 1            -> d         ("5" -> 5.0, "1.0": null)
    Surrounding spaces, tabs and line breaks are ignored. Classes are ASCII on purpose: Python and PostgreSQL
    disagree on what Unicode digits, spaces and letters \d, \s and case folding match.
-#}
{% macro odds_text_to_decimal(column) -%}
    {%- set t = "btrim(" ~ column ~ ", chr(32) || chr(9) || chr(10) || chr(13) || chr(12) || chr(11))" -%}
    case
        when {{ t }} ~ '^[Ee][Vv](?:[Ee][Nn][Ss]?|[Ss]|[Nn])?$' then 2.0
        when {{ t }} ~ '^[0-9]{1,6}(?: |\t)*[-/:](?: |\t)*[0-9]{1,6}$' then
            case
                when (regexp_match({{ t }}, '^([0-9]+)'))[1]::numeric > 0
                 and (regexp_match({{ t }}, '([0-9]+)$'))[1]::numeric > 0
                    then round(1 + (regexp_match({{ t }}, '^([0-9]+)'))[1]::numeric
                                 / (regexp_match({{ t }}, '([0-9]+)$'))[1]::numeric, 4)
            end
        when {{ t }} ~ '^[+-][0-9]{3,7}$' then
            case
                when {{ t }}::numeric >= 100 then round(1 + {{ t }}::numeric / 100, 4)
                when {{ t }}::numeric <= -100 then round(1 + 100 / -({{ t }}::numeric), 4)
            end
        when {{ t }} ~ '^[0-9]{1,6}(?:\.[0-9]{1,6})?$' and {{ t }}::numeric > 1 then round({{ t }}::numeric, 4)
    end
{%- endmacro %}
