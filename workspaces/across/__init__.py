"""Across projects: every org and project a key can list, and reads fanned out over them.

Harness has no cross-project workspace endpoint; the portal lists the projects once per key
(`directory`) and then makes one call per project, in parallel with a bound.
"""
