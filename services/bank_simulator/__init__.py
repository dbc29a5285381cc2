"""Simulated agency banks: accounts with states, credits, per-item feedback, configurable failures."""
