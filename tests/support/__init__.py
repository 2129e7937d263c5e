"""Test helpers shared by the suites: fakes injected at the edges."""
