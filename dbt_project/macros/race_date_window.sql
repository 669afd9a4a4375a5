{#-
    The date window of an incremental run, from `--vars '{"min_date": "2024-01-01", "max_date": "2024-01-31"}'`.
    Returns a boolean SQL expression on `column`: inclusive bounds for whichever var is set, `true` when none is.
    Only incremental runs are windowed: the first build and --full-refresh always process every date, so a table is
    never (re)created holding just one window.
-#}
{% macro race_date_window(column='race_date') -%}
    {%- set bounds = race_date_var_bounds(column) -%}
    {{ bounds if bounds and is_incremental() else 'true' }}
{%- endmacro %}


{#- The window's bounds on `column` from the vars, '' when neither is set (shared with the tests' window). -#}
{% macro race_date_var_bounds(column='race_date') -%}
    {%- set bounds = [] -%}
    {%- for name, op in [('min_date', '>='), ('max_date', '<=')] -%}
        {%- set value = var(name, none) | string | trim -%}
        {%- if value not in ('', 'None', 'none', 'null') -%}
            {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', value) -%}
                {{ exceptions.raise_compiler_error("var " ~ name ~ " must be YYYY-MM-DD, got " ~ value) }}
            {%- endif -%}
            {%- do bounds.append(column ~ ' ' ~ op ~ " '" ~ value ~ "'::date") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(bounds | join(' and ')) -%}
{%- endmacro %}


{#-
    pre_hook of the incremental facts: before delete+insert, remove every existing row of the window, so the window
    is replaced wholesale (rows that vanished from raw disappear too). Without vars the window is everything.
-#}
{% macro delete_race_date_window() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ race_date_window('race_date') }}
    {%- endif -%}
{%- endmacro %}
