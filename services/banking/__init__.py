"""银行代发 banking: agency-bank contracts, the card registry, instructions and reconciliation."""
