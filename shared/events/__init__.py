"""Versioned event contracts: the envelope, the payload models and the topics that carry them."""
