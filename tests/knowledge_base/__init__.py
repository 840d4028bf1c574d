"""Tests for the policy FAQ."""
