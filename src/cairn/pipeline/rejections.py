"""Why the pipeline refuses a payload; the reason is stored with it in the rejected table."""


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
