"""Value types every context speaks: standard library only, no behaviour of any context."""
