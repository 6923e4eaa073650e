"""Side-by-side performance and quality scripts (not tests); results in RESULTS.md."""
