"""Tickets: residents' complaints and requests, and the grid workflow that closes them."""
