"""v2 data-privacy deletion requests: purge a person by email, phone number or id."""

from __future__ import annotations

from cairn.api import ids
from cairn.api.call import Call
from cairn.api.errors import not_found
from cairn.people.actions import do_delete_person
from cairn.people.rules import check_deletion_request

SUBMITTED = "Submitted new deletion task for customer."


def request_deletion(call: Call) -> str:
    """Done at once, in one transaction. An email or phone number that matches nobody is still
    recorded and answered 200 (there is nothing left to delete); an unknown person_id is 404."""
    key, value = check_deletion_request(call.parameters())
    profile_id = ids.decode("person", value) if key == "person_id" else None
    deletion = do_delete_person(
        call.store, call.account_id, key, value, call.now, profile_id=profile_id
    )
    if key == "person_id" and deletion.profiles == 0:
        raise not_found("Person")
    return SUBMITTED
