"""Complaint's use cases: intake (hotline, public form, objections), working a case, the public lookup."""
