"""Generated declarations (XLSX, every township) with planted cases of every rule, through the real services."""

from deploy.crosscheck import RULES, run_crosscheck


def test_every_planted_case_is_caught_and_clean_people_are_not_flagged() -> None:
    got = run_crosscheck(3000, kafka_port=29292, pg_port=25632, offset=500, quiet=True)
    assert all(got["planted"][rule] > 0 for rule in RULES), got["planted"]
    assert got["missed"] == 0, (got["planted"], got["caught"])
    assert sum(got["false"].values()) == 0, got["false"]
