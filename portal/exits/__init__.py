"""Termination (清退) of a partner: settle what is open, refund the deposit, close access."""
