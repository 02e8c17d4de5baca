"""Reusable widgets: they render cache rows and post messages, never touch the network."""
