-- A win dividend must belong to a runner that finished first: catches a wrong horse_number/combination join.
{{ config(severity='warn') }}

select runner_key, race_key, horse_number, finish_position, win_payout
from {{ ref('fct_runners') }}
where win_payout is not null
    and finish_position is distinct from 1
