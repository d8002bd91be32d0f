"""The one place where errors from the core become words on screen (STYLE.md convention 5).

The core raises errors with a stable code (``tally_app.errors``). Here each code gets a
translated sentence: what is wrong and what to do. Whose problem it is comes from the
error's family: ``InputError`` is about what was entered or chosen, ``SystemError_`` is the
computer's problem, not the worker's (VVSG 2.0 7.3-K). A test checks that every code the
core can raise has an entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication

from tally_app.errors import InputError, SystemError_, TallyError


def tr(text: str) -> str:
    return QCoreApplication.translate("messages", text)


@dataclass(frozen=True, slots=True)
class UserMessage:
    title: str
    problem: str  # what is wrong
    cause: str  # whose problem it is
    action: str  # what to do

    @property
    def text(self) -> str:
        return f"{self.problem}\n\n{self.cause}\n\n{self.action}"


def _p(params: Mapping[str, Any], key: str) -> str:
    return str(params.get(key, ""))


# code -> (problem, action); each a function of the error's params, so the text is translated.
_TEXTS: dict[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    "not_a_count": lambda p: (
        tr("A count must be a whole number."),
        tr("Type digits only, or leave the box empty if it was not counted yet."),
    ),
    "negative_count": lambda p: (
        tr("A count cannot be below zero."),
        tr("Type the number you counted, 0 or more."),
    ),
    "blank_value": lambda p: (
        tr("Both serial numbers of the range are needed."),
        tr("Type the first and the last serial number."),
    ),
    "bad_range": lambda p: (
        tr("The last serial number is smaller than the first."),
        tr("Check the two numbers and type them again."),
    ),
    "blank_name": lambda p: (tr("The name is empty."), tr("Type the name.")),
    "blank_role": lambda p: (tr("No role is chosen."), tr("Choose the person's role.")),
    "blank_purpose": lambda p: (tr("The seal has no purpose."), tr("Say what the seal closes.")),
    "blank_number": lambda p: (tr("The seal number is empty."), tr("Type the seal number.")),
    "blank_text": lambda p: (tr("The text is empty."), tr("Type the text.")),
    "reason_required": lambda p: (tr("A reason is needed."), tr("Type why the value changes.")),
    "explanation_empty": lambda p: (
        tr("The explanation is empty."),
        tr("Write what the board found, in a sentence or two."),
    ),
    "correction_reason": lambda p: (
        tr("A correction needs a reason."),
        tr("Say what must change and why."),
    ),
    "precinct_locked": lambda p: (
        tr("This precinct is finalized, so its counts are locked."),
        tr("Ask your supervisor to start a correction if something must change."),
    ),
    "already_finalized": lambda p: (
        tr("This precinct is already finalized."),
        tr("Ask your supervisor to start a correction if something must change."),
    ),
    "bad_transition": lambda p: (
        tr("That step cannot be done from where the precinct is now."),
        tr("Go back to the review page and follow the steps in order."),
    ),
    "finalize_blocked": lambda p: (
        tr("Some counts do not add up, so the precinct cannot be finalized yet."),
        tr("Go to the review page and recount what it lists."),
    ),
    "finalize_unexplained": lambda p: (
        tr("Some differences have no explanation signed by every board member."),
        tr("Write each explanation on the review page and have every member confirm it."),
    ),
    "finalize_confirmers": lambda p: (
        tr("Finalizing needs two different board members."),
        tr("Choose two different people from the board."),
    ),
    "member_has_signed": lambda p: (
        tr("This person has signed an explanation, so they cannot be removed."),
        tr("Keep them on the board list."),
    ),
    "bad_choice": lambda p: (
        tr("That value is not what the chosen sheet says."),
        tr("Choose sheet A, sheet B, or type the recounted number."),
    ),
    "unknown_role": lambda p: (tr("That role is not in this election."), tr("Choose a role.")),
    "unknown_field": lambda p: (
        tr("That field is not part of this precinct."),
        tr("Close the precinct and open it again. If it happens again, call the help line."),
    ),
    "unknown_contest": lambda p: (
        tr("That contest is not in this election."),
        tr("Close the precinct and open it again."),
    ),
    "contest_not_in_precinct": lambda p: (
        tr("That contest is not on this precinct's ballots."),
        tr("Close the precinct and open it again."),
    ),
    "write_ins_not_recorded": lambda p: (
        tr("This contest does not record write-in names."),
        tr("Count write-ins as the election instructions say."),
    ),
    "unknown_precinct": lambda p: (
        tr("That precinct is not in this election."),
        tr("Check the precinct number on your supplies and choose it from the list."),
    ),
    "definition_invalid": lambda p: (
        tr("The election file cannot be used."),
        tr("Choose the election file the county sent, or use the built-in election."),
    ),
    "stored_definition_invalid": lambda p: (
        tr("The election stored in this precinct file cannot be read."),
        tr("Do not delete the file. Call the county help line."),
    ),
    "fingerprint_mismatch": lambda p: (
        tr("This precinct file belongs to a different election file."),
        tr("Open it with the election it was started with."),
    ),
    "store_exists": lambda p: (
        tr("This precinct was already started on this laptop."),
        tr("Choose it under 'Continue a precinct'."),
    ),
    "store_missing": lambda p: (
        tr("The precinct file is missing."),
        tr("Check the folder, or start the precinct again."),
    ),
    "not_a_precinct_file": lambda p: (
        tr("That file is not a precinct file of this app."),
        tr("Choose a precinct file, or start the precinct again."),
    ),
    "newer_version": lambda p: (
        tr("This precinct file was made by a newer version of the app."),
        tr("Use the newer version, or call the county help line."),
    ),
    "nothing_to_acknowledge": lambda p: (
        tr("There is nothing to acknowledge in the activity log."),
        tr("Continue with your work."),
    ),
    "embedded_definition_damaged": lambda p: (
        tr("The built-in election is damaged."),
        tr("Reinstall the app, or open the election file the county sent."),
    ),
    "embedded_definition_unknown": lambda p: (
        tr("That built-in election does not exist."),
        tr("Choose an election from the list."),
    ),
    "disk_full": lambda p: (
        tr("The disk is full, so the last entry was not saved."),
        tr("Free some space or call the county help line. Your earlier work is safe."),
    ),
    "read_only": lambda p: (
        tr("The precinct file cannot be written: the disk or file is read-only."),
        tr("Call the county help line. Your earlier work is safe."),
    ),
    "locked": lambda p: (
        tr("Another program is using the precinct file."),
        tr("Close other copies of Precinct Tally, then try again."),
    ),
    "io_error": lambda p: (
        tr("The computer could not read or write the precinct file."),
        tr("Try again. If it happens again, call the county help line."),
    ),
    "unsafe_storage": lambda p: (
        tr("This disk cannot keep the precinct file safe."),
        tr("Use the laptop's own disk, or call the county help line."),
    ),
    "untrusted_file": lambda p: (
        tr("This precinct file was changed outside the app, so nothing can be saved in it."),
        tr("Call your supervisor to check the activity log and acknowledge the problems."),
    ),
    "count_too_large": lambda p: (
        tr("That number is too large for a count or a serial number."),
        tr("Check the number and type it again (at most 999,999,999)."),
    ),
    "finalize_blank": lambda p: (
        tr("Some fields are still empty, so the precinct cannot be finalized yet."),
        tr("Type every count; type 0 where nothing was counted."),
    ),
    "supervisor_required": lambda p: (
        tr("Only a supervisor can do this."),
        tr("Call your supervisor."),
    ),
    "bad_pin_hash": lambda p: (
        tr("The PIN could not be saved safely."),
        tr("Set the PIN again on the board page. If it happens again, call the county help line."),
    ),
    # --- export to a drive -------------------------------------------------------------
    "not_finalized": lambda p: (
        tr("This precinct is not finalized yet."),
        tr("Finish the review and finalize the precinct, then export."),
    ),
    "export_confirmers": lambda p: (
        tr("Exporting needs two different board members."),
        tr("Choose two different board members to confirm the export."),
    ),
    "media_full": lambda p: (
        tr("The drive is full, so the export is not complete."),
        tr("Free some space or use another drive, then export again."),
    ),
    "media_read_only": lambda p: (
        tr("The drive is read-only or write-protected."),
        tr("Slide the drive's lock switch off or use another drive, then export again."),
    ),
    "media_removed": lambda p: (
        tr("The drive could not be written; it may have been removed."),
        tr(
            "Plug the drive in again (or use another one), then export again. "
            "Do not remove it until the app says it is safe."
        ),
    ),
    "media_verify_failed": lambda p: (
        tr("The files read back from the drive differ from what was written."),
        tr("Export again to another drive."),
    ),
    "media_symlink": lambda p: (
        tr("The chosen folder on the drive contains a link to somewhere else."),
        tr("Choose another folder or drive."),
    ),
    "media_not_regular": lambda p: (
        tr("Something on the drive is in the way of the export files."),
        tr("Choose another folder or drive."),
    ),
    "media_bad_name": lambda p: (
        tr("The export has a file name the app cannot write."),
        tr("This is a fault in the app; call the county help line."),
    ),
    "print_failed": lambda p: (
        tr("The printer could not be started."),
        tr("Check that the printer is on and has paper, then print again; or save the PDF."),
    ),
    # --- the laptop's signing identity ------------------------------------------------------
    "wrong_passphrase": lambda p: (
        tr("The passphrase does not open the laptop's signing key."),
        tr("Type the passphrase again, exactly as it was chosen."),
    ),
    "certificate_name_empty": lambda p: (
        tr("The name for the key is empty."),
        tr("Type a name, then try again."),
    ),
    "certificate_name_too_long": lambda p: (
        tr("The name for the key is longer than 64 characters."),
        tr("Shorten the name, then try again."),
    ),
    "certificate_name_unprintable": lambda p: (
        tr("The name for the key holds a line break or another control character."),
        tr("Type the name on one line, then try again."),
    ),
    "passphrase_too_long": lambda p: (
        tr("The passphrase is too long."),
        tr("Choose a passphrase of at most 1,000 characters."),
    ),
    "passphrase_empty": lambda p: (
        tr("The passphrase is empty."),
        tr("Type the passphrase of the laptop's signing key."),
    ),
    "no_identity": lambda p: (
        tr("This laptop has no signing key yet."),
        tr("Choose a passphrase to create one, or ask the county for a device key."),
    ),
    "identity_self_signed": lambda p: (
        tr("That key file is self-signed, not issued by the county."),
        tr("Use the device key file the county issued."),
    ),
    "file_missing": lambda p: (
        tr("The signing key file is missing."),
        tr("Ask the county for help: the laptop's key folder may have been changed."),
    ),
    "file_is_symlink": lambda p: (
        tr("The signing key file is a link to somewhere else."),
        tr("Ask the county for help: the laptop's key folder may have been changed."),
    ),
    "not_a_file": lambda p: (
        tr("The signing key is not a file."),
        tr("Ask the county for help: the laptop's key folder may have been changed."),
    ),
    "file_unreadable": lambda p: (
        tr("The signing key file cannot be read."),
        tr("Ask the county for help: the laptop's key folder may have been changed."),
    ),
    "file_too_large": lambda p: (
        tr("The signing key file is far too large to be a key."),
        tr("Ask the county for help: the laptop's key folder may have been changed."),
    ),
    # The supervisor window (ui/supervisor): the drives, folders and CA certificate chosen.
    "path_missing": lambda p: (
        tr("A drive or folder ticked is not there any more."),
        tr("Plug the drive in again, or remove it from the list, then verify again."),
    ),
    "path_symlink": lambda p: (
        tr("A folder ticked is a link to somewhere else."),
        tr("Add the folder itself, not a link to it, then verify again."),
    ),
    "path_unreadable": lambda p: (
        tr("A drive or folder ticked cannot be read."),
        tr("Check the drive (it may have been pulled out), then verify again."),
    ),
    "too_many_bundles": lambda p: (
        tr("The drives and folders ticked hold more bundles than can be verified at once."),
        tr("Tick fewer drives or folders, verify them, then the others."),
    ),
    "not_pem_certificates": lambda p: (
        tr("The file chosen as the county CA certificate holds no certificate."),
        tr("Choose the ca.pem file the county gave you, then verify again."),
    ),
}

KNOWN_CODES = frozenset(_TEXTS)
# Refusals caused by the precinct's state (locked, untrusted), not by what was typed.
_STATE_CODES = frozenset(
    {
        "precinct_locked",
        "already_finalized",
        "untrusted_file",
        "bad_transition",
        "supervisor_required",
    }
)


def error_message(error: TallyError) -> UserMessage:
    """The translated words for an error from the core."""
    texts = _TEXTS.get(error.code)
    problem, action = texts(error.params) if texts else (error.message, "")
    if isinstance(error, SystemError_):
        cause = tr("This is a problem with the computer, not with your work.")
        title = tr("The computer has a problem")
    elif error.code in _STATE_CODES:
        cause = tr("This is because of where the precinct is in the close of polls.")
        title = tr("Please check")
    elif isinstance(error, InputError):
        cause = tr("This is about what was entered or chosen.")
        title = tr("Please check")
    else:
        cause = tr("Something went wrong.")
        title = tr("Something went wrong")
    return UserMessage(title=title, problem=problem, cause=cause, action=action)


def unexpected_message(error: BaseException) -> UserMessage:
    """For a bug: never a traceback on screen; the details go to the log."""
    return UserMessage(
        title=tr("Something went wrong"),
        problem=tr("The app hit an unexpected problem and did not finish that step."),
        cause=tr("This is a problem with the app, not with your work. Saved entries are safe."),
        action=tr("Try again. If it happens again, call the county help line."),
    )
