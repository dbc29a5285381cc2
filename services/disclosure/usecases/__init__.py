"""Disclosure's use cases: the money path's publicity windows, objections and holds, and public reads."""
