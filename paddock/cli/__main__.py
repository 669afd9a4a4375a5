"""``python -m paddock.cli``: the same command as the installed ``paddock`` script (the tests run it this way)."""
from paddock.cli import app

app()
