"""Rendering only: rich for terminals, plain lines for CI logs, JSON for scripts."""
