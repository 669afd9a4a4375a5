"""`make bench`: benchmarks that print figures and ratios (never timed assertions in the test suite)."""
