"""Run-time helpers that start the infrastructure and the services without Docker."""
