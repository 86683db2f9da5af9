"""The benchmark suite behind `make bench`.

Every figure is measured beside a raw baseline taken in the same run, against the same
Postgres, with the two sides alternated round by round: a figure on its own says little
about the machine it ran on, a ratio to what plain psycopg does on that machine says how
much the event store costs. Speed is never asserted in a test; `tests/bench` only proves
that this code runs.
"""
