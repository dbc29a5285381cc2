"""Yikatong common library: contracts and plumbing shared by every service (no business rules)."""
