"""Code both dialects' sessions share (statements that agree, row conversions)."""
