"""The hub as an LTI 1.3 Advantage tool that existing LMSs launch (pylti1p3 2.0.0)."""
