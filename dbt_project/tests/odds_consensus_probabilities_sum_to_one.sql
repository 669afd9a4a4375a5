-- The no-vig probabilities of every line (event, market, description, line) in consensus_prices sum to 1 and each lies in (0, 1).
select event_id, market, description, line, sum(fair_probability) as total, min(fair_probability) as smallest,
    max(fair_probability) as largest
from {{ ref('consensus_prices') }}
group by event_id, market, description, line
having abs(sum(fair_probability) - 1) > 1e-9
    or min(fair_probability) <= 0
    or max(fair_probability) >= 1
