"""Test and benchmark helpers shared by tests/ and bench/: local servers, fixture sites."""
