"""Search everything: products, requests, roadmap items and comments at once."""
