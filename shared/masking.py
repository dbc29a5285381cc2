"""Masks for anything shown to the public or written to logs."""

from __future__ import annotations


def mask_id(id_number: str) -> str:
    """6325**********123X: region prefix and last four only."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_card(card_number: str) -> str:
    """Only the last four digits: ************1234."""
    if len(card_number) <= 4:
        return "*" * len(card_number)
    return "*" * (len(card_number) - 4) + card_number[-4:]


def mask_name(name: str) -> str:
    """张*明 for three characters, 张* for two, first and last kept otherwise."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
