"""审核/比对 review: automatic cross-check rules, then approval (automatic for now)."""
