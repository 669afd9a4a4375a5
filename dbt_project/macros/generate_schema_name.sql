{#-
    Use the custom schema verbatim (`staging`, `marts`) instead of dbt's default `<target_schema>_<custom>`,
    because ingestion/warehouse.py creates exactly those schemas and other tools read from them.
    Models without a custom schema fall back to the target schema (`public`).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
