"""Channel conflict cases and partners' complaints about the vendor."""
