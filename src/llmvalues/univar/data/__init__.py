"""Packaged data of the UniVaR question bank (value statements, paraphrase frames, controls)."""
