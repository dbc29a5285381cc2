"""Transactional outbox, idempotent inbox, consumers with capped retries and a dead-letter topic."""
