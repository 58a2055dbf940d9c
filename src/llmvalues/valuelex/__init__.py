"""ValueLex: discover an LLM's value system from its own words (Biedma et al. 2024), reproducibly."""
