"""Times to the second, as the back office shows them: commands, events and payments
land seconds apart, and the locale's "Jan. 1, 2025, 10:04 a.m." hides which came first.
Templates name these (`date:"DATETIME_FORMAT"`) rather than spell out a format."""

DATETIME_FORMAT = "Y-m-d H:i:s"
TIME_FORMAT = "H:i:s"
