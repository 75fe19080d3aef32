"""Words the counter terminal shows, in one place (English source, gettext catalogues).

The controller speaks in codes (:class:`~counter_terminal.viewmodel.Notice`);
this module turns them into sentences in the screen's language. No Qt here, so
headless mode can log the same sentences.
"""

from __future__ import annotations

import time

from counter_terminal.viewmodel import AlertView, Notice
from sorra.i18n import Translator, package_translator


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it yet."""
    return message


NOTICES: dict[str, str] = {
    "called": N_("{number} called"),
    "recalled": N_("{number} called again"),
    "finished": N_("{number} done"),
    "no_show_done": N_("{number} did not come"),
    "transferred": N_("{number} transferred"),
    "parked": N_("{number} set aside"),
    "nobody_waiting": N_("No one is waiting."),
    "busy": N_("Still sending the previous press — wait for it."),
    "slow_reply": N_("Sent; waiting for the hub to answer. It will be done exactly once."),
    "refused_offline": N_("Not sent: the hub could not be reached. Nothing was done — press again."),
    "partly_done": N_("{number} is done, but the next customer was not called: press Next."),
    "hub_refused": N_("Not done: {reason}"),
    "login_failed": N_("Wrong clerk or PIN."),
    "customer_at_desk": N_("A customer is at the counter: press Done, or hold Next to finish and call the next."),
    "customer_at_desk_pause": N_("Finish the current customer before a pause."),
    "no_customer": N_("There is no customer at the counter."),
    "already_serving": N_("The customer is already being served."),
    "no_customer_to_rate": N_("No customer to rate."),
    "already_rated": N_("Thank you, the rating was already recorded."),
    "feedback_thanks": N_("Thank you for the feedback."),
    "profile_forbidden": N_("The manager has not allowed changing the priorities."),
    "profile_saved": N_("Priorities saved."),
    "picker_cancelled": N_("Transfer cancelled."),
    "no_targets": N_("Nowhere to transfer to."),
    "too_soon": N_("Just called: wait a few seconds before pressing Next again."),
    "returned": N_("{number} is back: first in line for their service."),
    "backlog_recorded": N_("Left in the backlog for later."),
    "counter_mismatch": N_("This terminal is set up for counter {number}, but the hub paired it with "
                           "counter {paired}: ask the technician to set it up again."),
}

ERROR_REASONS: dict[str, str] = {
    "forbidden": N_("not allowed"),
    "not_found": N_("not found"),
    "conflict": N_("not possible now"),
    "closed": N_("the office or service is closed"),
    "bad_args": N_("invalid request"),
    "too_soon": N_("too soon after the call"),
    "timeout": N_("no answer from the hub"),
    "internal": N_("error in the hub"),
}

STATES: dict[str, str] = {
    "closed": N_("Closed"),
    "open": N_("Ready"),
    "paused": N_("Paused"),
    "called": N_("Called"),
    "serving": N_("Serving"),
}

ACTIONS: dict[str, str] = {
    "next": N_("Next"),
    "finish_and_next": N_("Done + Next"),
    "recall": N_("Recall"),
    "start": N_("Arrived"),
    "done": N_("Done"),
    "no_show": N_("No-show"),
    "transfer": N_("Transfer"),
    "park": N_("Set aside"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "background": N_("Background work"),
    "profile": N_("Priorities"),
    "logout": N_("Log out"),
    "login": N_("Log in"),
    "feedback": N_("Rating"),
    "pause_toggle": N_("Pause"),
    "unpark": N_("Call back"),
    "background_start": N_("Background work"),
    "background_stop": N_("Background work"),
    "close": N_("Close"),
    "return": N_("Missed calls"),
    "background_record": N_("Leave for later"),
}


# Hub alert code → text ({source}: the device or part that raised it).
ALERT_TEXTS = {
    "device.offline": N_("{source}: not connected to the hub"),
    "printer.paper_near_end": N_("{source}: the printer's paper is running out"),
    "printer.paper_out": N_("{source}: the printer is out of paper"),
    "printer.cover_open": N_("{source}: the printer's cover is open"),
    "printer.offline": N_("{source}: the printer is offline"),
    "printer.error": N_("{source}: printer error"),
    "hub.storage": N_("The hub cannot save its data"),
    "web.down": N_("The hub's web app is not running"),
    "rule": N_("A queue is over its limit: priority raised"),
}


class Texts:
    """Translated texts for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.tr: Translator = package_translator(__file__, "counter_terminal", lang)

    def __call__(self, message: str) -> str:
        return self.tr.gettext(message)

    def notice(self, notice: Notice) -> str:
        template = self(NOTICES.get(notice.code, notice.code))
        params = dict(notice.params)
        if notice.code == "hub_refused":
            reason = self(ERROR_REASONS.get(str(params.get("code")), ERROR_REASONS["internal"]))
            message = str(params.get("message") or "")
            params["reason"] = f"{reason} ({message})" if message else reason
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    def alert(self, alert: AlertView) -> str:
        """A hub alert in this language; an unknown code (a newer hub) shows its message."""
        key = "rule" if alert.code.startswith("rule.") else alert.code
        template = ALERT_TEXTS.get(key)
        if template is None:
            return alert.message or alert.code
        return self(template).format(source=alert.source)

    def state(self, state: str) -> str:
        return self(STATES.get(state, state))

    def action(self, action: str) -> str:
        return self(ACTIONS.get(action, action))

    def duration(self, seconds: float) -> str:
        minutes = int(max(0, seconds) // 60)
        if minutes < 1:
            return self("under a minute")
        if minutes < 60:
            return self.tr.ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
        return self("{h} h {m} min").format(h=minutes // 60, m=minutes % 60)

    def clock(self, at: float) -> str:
        return time.strftime("%H:%M", time.localtime(at))
