"""Renderers: each reads a Derivation and writes one format; none computes a derivative."""
