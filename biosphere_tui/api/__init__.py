"""Clients of the cloud APIs: typed results and domain errors, no UI and no SQL."""
