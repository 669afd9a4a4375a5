"""Market-date partitions of the exchange history: the UTC day of each market's scheduled off.

Betfair's historical data service sells files from 2015 on; a partition per day lets a backfill of any range, and a
file landing for one day reloads that day alone.
"""
import dagster as dg

EXCHANGE_HISTORY_START = "2015-01-01"

# end_offset=1: today's markets land (a recorder's file after the evening's racing) before the day is over
market_date_partitions = dg.DailyPartitionsDefinition(start_date=EXCHANGE_HISTORY_START, end_offset=1)
