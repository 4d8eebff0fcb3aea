"""dataio"""
