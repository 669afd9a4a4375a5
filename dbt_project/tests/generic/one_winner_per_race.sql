{#-
    Exactly one winner per race unless a dead heat: a race whose runners have any finish position must have at least
    one runner in first place, and when several share first place every one of them must be flagged as a dead heat.
    Returns the offending races.
-#}
{% test one_winner_per_race(model, column_name, position_column='finish_position', dead_heat_column='is_dead_heat') %}

with

results as (

    select
        {{ column_name }} as race,
        count({{ position_column }}) as finishers,
        count(*) filter (where {{ position_column }} = 1) as winners,
        count(*) filter (where {{ position_column }} = 1 and {{ dead_heat_column }}) as dead_heat_winners

    from {{ model }}
    group by {{ column_name }}

)

select *
from results
where (finishers > 0 and winners = 0)
    or (winners > 1 and dead_heat_winners < winners)

{% endtest %}
