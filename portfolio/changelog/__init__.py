"""The changelog: release notes of what shipped, for everyone, on a page and
in an Atom feed."""
