"""vitam-lite referentials: rules, agencies, contracts, profiles, security profiles, contexts."""
