"""make bench: a county's payroll end to end, with its throughput, resources and the ceiling of the same run."""
