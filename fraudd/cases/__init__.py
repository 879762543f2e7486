"""Cases, verdicts, releases and chargeback imports: what investigators do, behind the console
and the ``fraudd cases|blocks|labels`` commands (issue 15)."""
