{#-
    Tests of the race-date-partitioned facts (tag race_date_partitioned) look only at the window the run rebuilt.

    A partition run (`--vars '{"min_date": ..., "max_date": ...}'`) replaces one window of fct_races, fct_runners and
    fct_dividends; its unique/not_null/relationships tests scanning the whole table made one new race day cost more
    the longer the history (1.5x when history doubled). Rows outside the window were tested by the run that wrote
    them and this run did not touch them. Without vars (a full build, `dbt build` by hand) the tests see everything.
    This overrides dbt's own get_where_subquery (dbt docs: "custom where" logic), keeping a test's `where` config.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set clauses = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do clauses.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set window = partitioned_test_window() -%}
    {%- if window -%}{%- do clauses.append(window) -%}{%- endif -%}
    {%- if clauses -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ clauses | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- The var window on race_date when the tested model is race-date partitioned; '' otherwise. -#}
{% macro partitioned_test_window() -%}
    {%- set attached = model.get('attached_node') if model is mapping else none -%}
    {%- if not execute or not attached or attached not in graph.nodes -%}{%- do return('') -%}{%- endif -%}
    {%- if 'race_date_partitioned' not in graph.nodes[attached].tags -%}{%- do return('') -%}{%- endif -%}
    {%- do return(race_date_var_bounds('race_date')) -%}
{%- endmacro %}
