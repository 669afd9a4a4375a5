"""Runtime glue shared by every layer: where state lives and how to reach the databases, plus the CLI."""
