"""Rent subsidies (房补): lease proofs and the monthly subsidy lines of commission statements."""
