"""The demo county (贵德县, Guide County, 632523) and a monthly payroll through every service."""
