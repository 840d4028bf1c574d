"""Tests for the policy FAQ (knowledge_base)."""
