{#-
    None of `columns` holds a null: one row per column that does, with how many.

    One scan of the model for all its columns, where dbt's `not_null` scans it once per column: two thirds of the
    project's tests were not_null, and as separate tests they were ~40% of a `dbt build` (each one re-reads the model,
    a staging view computing its joins again every time). The failing rows name the columns, as separate tests did.
    Inherits the run's window on race-date partitioned facts (`get_where_subquery`, macros/test_window.sql).
-#}
{% test not_null_columns(model, columns) %}

with null_counts as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as nulls_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
select null_column, null_rows
from null_counts
cross join lateral (values
    {%- for column in columns %}
    ('{{ column }}', nulls_{{ loop.index }}){{ "," if not loop.last }}
    {%- endfor %}
) as counted (null_column, null_rows)
where null_rows > 0

{% endtest %}
