"""Rent subsidy rules (to be written by the subsidies work; the contract below is fixed)."""


def subsidy_lines(partner, month):
    """The rent subsidy lines of ``partner``'s commission statement for ``month`` (first day of a
    business month): a list of dicts with keys kind ("rent_subsidy" or "subsidy_clawback"),
    outlet_id, source_month, base_amount (the monthly subsidy in force, Decimal), amount (signed
    Decimal, 0.01), description (language-neutral facts, e.g. "18/30"). Read-only."""
    return []
