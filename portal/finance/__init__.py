"""Partners' money beyond the deposit ledger: the bank account payments go to (and later commissions)."""
