{#-
    Identity group of a source (README "Identity"): sources in one group publish the same ids for the same horses,
    and the same names for the same people. var racecard_identity_groups maps a source to its group (default: the
    demo site publishes the synthetic generator's horses, so 'demo' joins 'synthetic'); any other source is its own
    group. Used by marts.race_cards and the dims, so a card runner resolves to the same row in both.
-#}
{% macro identity_group(source_column) -%}
    {%- set groups = var('racecard_identity_groups', {'demo': 'synthetic'}) -%}
    {%- if groups -%}
    case {{ source_column }}
        {%- for k, v in groups.items() %} when '{{ k }}' then '{{ v }}'{% endfor %} else {{ source_column }} end
    {%- else -%}
    {{ source_column }}
    {%- endif -%}
{%- endmacro %}
