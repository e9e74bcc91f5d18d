"""Benchmarks behind `digonce bench`: PSPLIB instances in the generic core, synthetic compounds, peers."""
