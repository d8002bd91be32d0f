"""Printed documents (DESIGN §8): tally sheets, certificates, blank hand-count sheets, and their signatures."""
