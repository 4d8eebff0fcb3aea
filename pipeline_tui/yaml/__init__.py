"""YAML text: fast reading, round-trip editing, a plain renderer, and the block reader.

The only package that parses or writes YAML; everything above it deals in
plain Python values and file text.
"""
