"""The spot-check draw: reproducible from its seed, at least the ratio, weighted toward 零报送."""

from __future__ import annotations

from collections import Counter

from services.supervision.domain import draw, sample_items, spot_weight


def test_the_same_seed_and_weights_draw_the_same_sample_and_at_least_the_ratio() -> None:
    units = {f"D{n:02d}": 1.0 + n % 3 for n in range(12)}
    first = draw(units, 0.3, 20260527)
    assert first == draw(dict(reversed(list(units.items()))), 0.3, 20260527)  # order of entry does not matter
    assert len(first) == 4  # ceil(0.3 * 12)
    assert draw(units, 0.3, 1) != first or draw(units, 0.3, 2) != first


def test_units_that_report_nothing_while_problems_are_known_are_drawn_far_more_often() -> None:
    weights = {"ZERO": spot_weight(0, 2), **{f"D{n}": spot_weight(3, 1) for n in range(9)}}
    assert weights["ZERO"] > 2 * weights["D0"]
    picked = Counter(u for seed in range(2000) for u in draw(weights, 0.3, seed))
    assert picked["ZERO"] > 1.5 * max(v for k, v in picked.items() if k != "ZERO")


def test_items_of_a_program_are_sampled_reproducibly() -> None:
    ids = [f"I{n:04d}" for n in range(100)]
    assert sample_items(ids, 0.1, 7) == sample_items(list(reversed(ids)), 0.1, 7)
    assert len(sample_items(ids, 0.1, 7)) == 10 and sample_items([], 0.1, 7) == []


def test_a_unit_that_reported_nothing_while_problems_are_known_is_always_drawn() -> None:
    units = {f"D{n}": 1.0 for n in range(10)}
    for seed in range(200):
        sample = draw(units, 0.3, seed, required=["D7"])
        assert "D7" in sample and len(sample) == 3
