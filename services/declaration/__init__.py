"""申报 declaration: townships submit batches of beneficiaries for a program and period."""
