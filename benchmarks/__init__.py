"""Benchmarks for the quality bars in DESIGN.md (run: ./run bench [NAME …])."""
