"""The Yikatong services, one package each; ``python -m services NAME`` runs one (see ``shared.registry``)."""
