"""Sources -> DataFrames -> raw tables. Plain Python: the Dagster assets call these functions, never the reverse."""
