"""vitam-lite's ingest: SIP upload endpoints, safe unzip, SEDA 2.1 validation, workflows, ATR."""
