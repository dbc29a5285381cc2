"""监督检查 supervision: the ledger of people, cards and money (人、卡、钱) from every topic."""
