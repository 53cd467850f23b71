"""Crash, concurrency, hostile-input and injection suites: nothing lost, nothing broken."""
