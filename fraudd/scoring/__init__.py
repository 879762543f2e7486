"""Scoring: rules (the override layer) and model backends behind one interface."""
