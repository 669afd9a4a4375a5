"""The data-quality gate between staged source frames and the raw tables.

``suites`` holds the rules as plain data, ``gx_runner`` evaluates them with Great Expectations 1.x and ``fast_rules``
with vectorized pandas to the same verdicts (``engines`` picks one), ``gate`` splits a frame into published and
quarantined rows. Importing this package does not import GX (it costs seconds); the first GX validation does.
"""
