"""A local stand-in for SEP's OnlinePG: the same paths, JSON shapes, codes and time windows (payments.md §10).

Its own app and tables; it knows nothing of the portal, so the adapter is tested against a real wire protocol
rather than a pay/cancel page that trusts itself. Mounted at /psp/ only in development.
"""
