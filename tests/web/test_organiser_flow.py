"""The organiser's roll in one flow on the pages: exceptions come first (the page says
so and shows them first); a roll refused for shared contacts lists them with one form to
record their exceptions, after which the same file imports; and the roll section says
what is true in each phase (frozen while open, closed after), and the phase section offers
no encrypted tally to publish once an election with re-voting protection is closed but
says that its trustees count it in its close, and once that is done, that the results
are published.  Each test has an election with re-voting protection of
its own (``fresh_setup``): both change it."""

from __future__ import annotations

import html
import re

from honestballot.crypto.randomness import SeededRandomness
from honestballot.web.strings_organiser import STRINGS
from tests.factories import DemoCeremony, RevotingElection
from tests.web.close_helpers import run_close
from tests.web.test_organiser import keep_roll, sign_in_page

RU, KK = 0, 1
FAMILY = (
    b"national_id,name,phone,email,unit\n"
    b"900101300021,Saule Family,+7 701 000 0077,,station-1\n"
    b"900101300022,Nurlan Family,+7 701 000 0077,,station-1\n"
    b"900101300023,Asel Family,,fam@example.org,station-2\n"
    b"900101300024,Bolat Family,,fam@example.org,station-2\n"
)


def csrf_in(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def test_shared_contacts_are_recorded_in_the_same_flow(fresh_setup: RevotingElection) -> None:
    web = fresh_setup.web
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    dashboard = client.get("/organiser/e/web-test")
    text = html.unescape(dashboard.text)
    # the exceptions come before the roll on the page, and the page says why
    assert text.index('id="exceptions"') < text.index('id="roll"')
    assert STRINGS["organiser.exceptions.first"][RU] in text

    r = client.post(
        "/organiser/e/web-test/roll",
        files={"roll": ("roll.csv", FAMILY, "text/csv")},
        data={"csrf": csrf},
    )
    assert r.status_code == 400
    text = html.unescape(r.text)
    assert 'id="shared-contacts-form"' in text
    assert STRINGS["organiser.exceptions.for_rejected"][RU] in text
    form = text[text.index('id="shared-contacts-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="contacts" value="77010000077 fam@example.org"' in form

    r = client.post(
        "/organiser/e/web-test/exceptions",
        data={"csrf": csrf, "contacts": "77010000077 fam@example.org", "reason": "семья"},
    )
    assert r.status_code == 200 and "done=exception" in str(r.url)
    assert dict(web.services.roll.exceptions("web-test")) == {
        "77010000077": "семья",
        "fam@example.org": "семья",
    }
    r = client.post(
        "/organiser/e/web-test/roll",
        files={"roll": ("roll.csv", FAMILY, "text/csv")},
        data={"csrf": csrf},
    )
    assert r.status_code == 200 and "done=roll" in str(r.url)


def test_the_roll_section_follows_the_phase(
    fresh_setup: RevotingElection, web_ceremony: DemoCeremony
) -> None:
    web = fresh_setup.web
    keep_roll(fresh_setup)
    fresh_setup.open()
    client = web.client
    sign_in_page(client, web.organiser_token)
    client.cookies.set("hb_lang", "kk")
    open_page = html.unescape(client.get("/organiser/e/web-test").text)
    assert STRINGS["organiser.roll.frozen.open"][KK] in open_page
    assert STRINGS["organiser.exceptions.first"][KK] not in open_page
    assert 'href="/organiser/e/web-test/phase/close"' in open_page
    web.services.elections.close("web-test")
    closed = html.unescape(client.get("/organiser/e/web-test").text)
    assert STRINGS["organiser.roll.frozen.after"][KK] in closed
    assert STRINGS["organiser.roll.frozen.open"][KK] not in closed
    # closed, it offers nothing to switch (no encrypted tally to publish: the action is
    # unknown) and says who counts it: its trustees in its close
    assert "/phase/" not in closed
    assert STRINGS["organiser.phase.nothing.close"][KK] in closed
    assert client.get("/organiser/e/web-test/phase/tally").status_code == 404
    assert client.post("/api/organiser/e/web-test/tally").status_code in (404, 405)
    # once the trustees' close is done, the results are out
    run_close(fresh_setup, web_ceremony, SeededRandomness("the flow's trustees"))
    assert web.services.elections.phase("web-test") == "done"
    done = html.unescape(client.get("/organiser/e/web-test").text)
    assert STRINGS["organiser.phase.done"][KK] in done
    assert STRINGS["organiser.phase.nothing.close"][KK] not in done and "/phase/" not in done
