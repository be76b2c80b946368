"""Peer engines measured on the same items as our models."""
