"""The data-quality gate between staged source frames and the raw tables.

``suites`` holds the rules as plain data, ``gx_runner`` evaluates them with Great Expectations 1.x, ``gate`` splits a
frame into published and quarantined rows. Importing this package does not import GX (it costs seconds); the first
validation does.
"""
