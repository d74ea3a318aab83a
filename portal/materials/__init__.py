"""Physical promotional material: catalogue, stock ledger, partners' requests and usage audit."""
