"""Supervision's use cases: the ledger kept from every topic, and the campaign (自查、抽查、问题清单、整改)."""
