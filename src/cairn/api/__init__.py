"""The REST API (v1 and v2, private keys), mounted at `/api` by `cairn.api.mount`.

This package init imports nothing, so pure helpers such as `cairn.api.ids` can be used by the
pipeline without pulling in every route.
"""
