"""The error every `check_*` raises: a request field breaks a rule, and the message says which."""


class Invalid(ValueError):
    pass
