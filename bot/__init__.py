"""Linli (邻里): gateway, channels, dialogue, tickets and scheduling for community residents."""

__version__ = "0.1.0"
