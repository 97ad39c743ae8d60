"""The source library: which documents hibot answers from, with their dates and review status."""
