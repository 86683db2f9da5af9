"""The dev stack runner behind `make run`, `make test` and `make bench`."""
