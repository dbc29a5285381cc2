"""The Yikatong services, one package each; ``python -m services NAME`` runs one."""

PORTS: dict[str, int] = {
    "catalog": 8101,
    "declaration": 8102,
    "review": 8103,
    "disclosure": 8104,
    "treasury": 8105,
    "banking": 8106,
    "bank_simulator": 8107,
    "complaint": 8108,
    "supervision": 8109,
}
