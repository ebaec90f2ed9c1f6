"""Lino Welfare's unmodified `cbss` code against a live RAAS, through the classic SSDN channel.

Run by tools/interop.py inside .interop-venv/ (never by the project's pytest):

    DJANGO_SETTINGS_MODULE=interop.lino.settings python -m django test interop.lino.test_raas

The environment names the RAAS under test and the persons of its stub authentic source:
RAAS_INTEROP_SCENARIO is a JSON file written by tools/interop.py (`url`, `persons`), and
RAAS_INTEROP_RESULT is where this test writes, step by step, what Lino showed its user (the
orchestrator prints it and compares the registrations with what `Consult` returns).

Only the connector WSDL is written by the test: the package's own WebServiceConnector.wsdl
with its soap:address pointing at RAAS, in MEDIA_ROOT/cache/wsdl/ where Lino reads it.
Everything else is Lino's code as installed: the requests are `cbss.ManageAccessRequest` and
`cbss.IdentifyPersonRequest` rows, sent by their `execute_request()`; the results are what
Lino stores and shows (status, ticket, info messages, the reply and `cbss.IdentifyPersonResult`).
"""

import datetime
import json
import os
import re
from pathlib import Path

from django.conf import settings
from lino.api import rt
from lino.utils import IncompleteDate
from lino.utils.djangotest import TestCase
from lino.utils.ssin import format_ssin
from lino_welfare.modlib import cbss as cbss_package
from lino_welfare.modlib.cbss.choicelists import ManageActions, RequestStates

CONNECTOR_PATH = "/connectors/webservice/KSZBCSSWebServiceConnectorPort"
SCENARIO = json.loads(Path(os.environ["RAAS_INTEROP_SCENARIO"]).read_text())
RESULT = Path(os.environ["RAAS_INTEROP_RESULT"])


def _date(text):
    return datetime.date.fromisoformat(text)


def _incomplete(text):
    year, month, day = (int(part) for part in text.split("-"))
    return IncompleteDate(year, month, day)


class Recorder:
    """What each step sent and what Lino showed, written to RESULT after every step."""

    def __init__(self):
        self.steps = []
        self.lines = {}
        self.tickets = []
        self.save()

    def save(self):
        RESULT.write_text(
            json.dumps(
                {"steps": self.steps, "lines": self.lines, "tickets": self.tickets}, indent=1
            )
        )

    def step(self, name, request, check, **shown):
        entry = {
            "step": name,
            "service": request.ssdn_service_id,
            "status": request.status.name if request.status else "",
            "ticket": request.ticket,
            "info": [m for m in request.info_messages.splitlines() if m.strip()],
            **shown,
        }
        self.steps.append(entry)
        try:
            check()
        except BaseException as error:
            entry["passed"] = False
            entry["failure"] = f"{type(error).__name__}: {(str(error) or '-').splitlines()[0]}"
            if request.debug_messages:
                entry["debug_tail"] = request.debug_messages.strip().splitlines()[-3:]
            self.save()
            raise
        entry["passed"] = True
        self.save()


class LinoAgainstRaas(TestCase):
    """The scenario of `make interop`, in order: each step builds on the register's state."""

    fixtures = ["sectors", "purposes", "democfg"]
    maxDiff = None

    def setUp(self):
        super().setUp()
        settings.SITE.startup()
        cbss_settings = settings.SITE.plugins.cbss
        cbss_settings.cbss_live_requests = True
        self.write_connector_wsdl(SCENARIO["url"] + CONNECTOR_PATH)
        users = rt.models.users
        self.user = users.User(username="interop", user_type=users.UserTypes.admin)
        self.user.save()
        self.client_row = rt.models.pcsw.Client(first_name="Interop", last_name="RAAS")
        self.client_row.save()
        Purpose = rt.models.cbss.Purpose
        self.purposes = {
            "1": Purpose.objects.get(sector_code=17, code=1),
            "902": Purpose.objects.get(sector_code__isnull=True, code=902),
        }
        self.record = Recorder()
        # RAAS was told to admit exactly what Lino's demo site configuration sends.
        config = settings.SITE.site_config
        sent = {
            "OrgUnit": config.cbss_org_unit,
            "MatrixID": str(config.sector.code),
            "MatrixSubID": str(config.sector.subcode),
        }
        self.assertEqual(sent, SCENARIO["authorized_user"], "Lino's democfg changed")

    @staticmethod
    def write_connector_wsdl(location):
        """The package's connector WSDL, soap:address at RAAS, where Lino's client reads it."""
        template = Path(cbss_package.__file__).parent / "WSDL" / "WebServiceConnector.wsdl"
        text = template.read_text() % {"cbss_environment": "test"}
        text, count = re.subn(r'(<soap:address location=")[^"]*(")', rf"\g<1>{location}\g<2>", text)
        assert count == 1, "the package's connector WSDL has no single soap:address"
        target = Path(settings.MEDIA_ROOT, *rt.models.cbss.ManageAccessRequest.wsdl_parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    # -- requests as a Lino user makes them ------------------------------------------------

    def manage_access(self, action, person, purpose, start, end, proof=True, card=""):
        request = rt.models.cbss.ManageAccessRequest(
            user=self.user,
            person=self.client_row,
            national_id=format_ssin(person["ssin"]),  # as a Lino user enters it: 680601 152-35
            purpose=self.purposes[purpose],
            start_date=_date(start),
            end_date=_date(end) if end else None,
            action=ManageActions.get_by_name(action),
            id_card_no=card,
        )
        if proof:
            request.last_name = person["last_name"]
            request.first_name = person["first_name"]
            request.birth_date = _incomplete(person["birth_date"])
        request.full_clean()  # what Lino's user interface does before saving
        request.save()
        request.execute_request()
        return request

    def identify(self, ssin="", last_name="", first_name="", birth_date=""):
        request = rt.models.cbss.IdentifyPersonRequest(
            user=self.user,
            person=self.client_row,
            national_id=format_ssin(ssin) if ssin else "",
            last_name=last_name,
            first_name=first_name,
            birth_date=_incomplete(birth_date),
        )
        request.full_clean()
        request.save()
        request.execute_request()
        return request

    # -- what Lino shows ---------------------------------------------------------------------

    @staticmethod
    def registrations(request):
        """The reply's Registrations as Lino parses them (its own get_service_reply())."""
        if request.status not in (RequestStates.ok, RequestStates.warnings):
            return []
        reply = request.get_service_reply()
        lines = []
        for registration in reply.getChildren("Registrations") or []:
            period = registration.childAtPath("/Period")
            lines.append(
                {
                    "purpose": registration.childAtPath("/Purpose").text,
                    "start": period.childAtPath("/StartDate").text[:10],
                    "end": (_text(period, "/EndDate") or "")[:10] or None,
                    "org_unit": _text(registration, "/OrgUnit"),
                    "register": _text(registration, "/Register"),
                }
            )
        return lines

    def identify_rows(self, request):
        """The rows of Lino's cbss.IdentifyPersonResult table for this request."""
        ar = rt.login(self.user.username).spawn(
            rt.models.cbss.IdentifyPersonResult, master_instance=request
        )
        return [
            {
                "national_id": row.national_id,
                "last_name": row.last_name,
                "first_name": row.first_name,
                "gender": row.gender.name if row.gender else None,
                "birth_date": str(row.birth_date),
                "address": row.get("address", ""),
            }
            for row in ar.data_iterator
        ]

    def assert_status(self, request, expected):
        self.assertEqual(request.status, expected, request.info_messages or request.debug_messages)
        self.assertRegex(request.ticket, r"\S", "Lino read no ticket from the reply")

    @staticmethod
    def codes(request):
        return re.findall(r"\b\d{8}\b", request.info_messages)

    @staticmethod
    def spans(lines):
        return [(line["purpose"], line["start"], line["end"]) for line in lines]

    # -- the scenario ------------------------------------------------------------------------

    def test_scenario(self):
        persons = SCENARIO["persons"]
        main, phonetic = persons["main"], persons["phonetic"]
        ok, warnings, errors = RequestStates.ok, RequestStates.warnings, RequestStates.errors
        record = self.record
        tickets = []

        # 0. A site whose OrgUnit RAAS has not registered: refused with a SOAP fault; Lino's
        #    user sees a failed request without ticket, and nothing is registered.
        config = settings.SITE.site_config
        registered_org_unit = config.cbss_org_unit
        config.cbss_org_unit = "0999999999"
        config.save()
        try:
            request = self.manage_access("REGISTER", main, "1", "2024-01-01", "2024-01-31")
        finally:
            config.cbss_org_unit = registered_org_unit
            config.save()

        def check():
            self.assertEqual(request.status, RequestStates.failed, request.info_messages)
            self.assertEqual(request.ticket, "")
            self.assertIn("WebFault", request.debug_messages)

        fault = re.findall(r"WebFault: (.*)", request.debug_messages)
        record.step("REGISTER from an OrgUnit RAAS does not know", request, check, fault=fault)

        # 1. REGISTER without proof of authentication: refused, nothing registered.
        request = self.manage_access("REGISTER", main, "1", "2025-01-01", "2025-01-31", proof=False)

        def check():
            self.assert_status(request, errors)
            self.assertIn("31000007", self.codes(request))
            self.assertNotIn("<mar:ProofOfAuthentication><mar:", request.request_xml)

        record.step("REGISTER without proof", request, check, codes=self.codes(request))
        tickets.append(request.ticket)

        # 2. REGISTER with person data.
        request = self.manage_access("REGISTER", main, "1", "2026-01-01", "2026-03-31")
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("1", "2026-01-01", "2026-03-31")])

        record.step("REGISTER with person data", request, check, registrations=shown)
        tickets.append(request.ticket)

        # 3. An overlapping REGISTER: merged into one line, returned whole.
        request = self.manage_access("REGISTER", main, "1", "2026-03-01", "2026-06-30")
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("1", "2026-01-01", "2026-06-30")])

        record.step("REGISTER overlapping (merged)", request, check, registrations=shown)
        tickets.append(request.ticket)

        # 3b. Another purpose (typeDossier 902) for the same person.
        request = self.manage_access("REGISTER", main, "902", "2026-02-01", "2026-02-28")
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("902", "2026-02-01", "2026-02-28")])

        record.step("REGISTER purpose 902", request, check, registrations=shown)
        tickets.append(request.ticket)

        # 4. LIST: the merged line.
        request = self.manage_access("LIST", main, "1", "2026-01-01", "2026-12-31", proof=False)
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("1", "2026-01-01", "2026-06-30")])

        record.step("LIST", request, check, registrations=shown)
        tickets.append(request.ticket)

        # 5. IdentifyPerson by SSIN with verification data that match. Lino also sends the
        #    names as PhoneticCriteria: warning 21007001 (searched by SSIN), identity validated.
        request = self.identify(
            main["ssin"], main["last_name"], main["first_name"], main["birth_date"]
        )
        rows = self.identify_rows(request)

        def check():
            self.assert_status(request, warnings)
            self.assertIn("21007001", self.codes(request))
            self.assertIn("12007001", self.codes(request))
            self.assertNotIn("22007007", self.codes(request))
            self.assertEqual(
                [
                    (r["national_id"], r["last_name"], r["first_name"], r["birth_date"])
                    for r in rows
                ],
                [(main["ssin"], main["last_name"], main["first_name"], main["birth_date"])],
            )
            self.assertEqual(rows[0]["gender"], main["gender"])
            # The source knows this person's address: Lino shows it as its address column.
            self.assertEqual(
                rows[0]["address"],
                f"{main['street']} {main['houseNumber']}, {main['postalCode']} "
                f"{main['municipality']}",
            )

        record.step(
            "IdentifyPerson by SSIN (verified)",
            request,
            check,
            rows=rows,
            codes=self.codes(request),
        )
        tickets.append(request.ticket)

        # 5b. The same with a first name the source does not have: 22007007.
        request = self.identify(main["ssin"], main["last_name"], "Wrongname", main["birth_date"])
        rows = self.identify_rows(request)

        def check():
            self.assert_status(request, warnings)
            self.assertIn("22007007", self.codes(request))
            self.assertNotIn("12007001", self.codes(request))

        record.step(
            "IdentifyPerson by SSIN (mismatch)",
            request,
            check,
            rows=rows,
            codes=self.codes(request),
        )
        tickets.append(request.ticket)

        # 6. IdentifyPerson phonetically: a match.
        request = self.identify(
            last_name=phonetic["last_name"],
            first_name=phonetic["first_name"],
            birth_date=phonetic["birth_date"],
        )
        rows = self.identify_rows(request)

        def check():
            self.assert_status(request, ok)
            self.assertTrue(rows, "no IdentifyPersonResult row")
            self.assertEqual(
                (
                    rows[0]["national_id"],
                    rows[0]["last_name"],
                    rows[0]["first_name"],
                    rows[0]["birth_date"],
                    rows[0]["gender"],
                ),
                (
                    phonetic["ssin"],
                    phonetic["last_name"],
                    phonetic["first_name"],
                    phonetic["birth_date"],
                    phonetic["gender"],
                ),
            )

        record.step(
            "IdentifyPerson phonetic (match)", request, check, rows=rows, codes=self.codes(request)
        )
        tickets.append(request.ticket)

        # 7. An incomplete birth date: Lino sends no Tolerance, so the request is refused.
        request = self.identify(
            last_name=phonetic["last_name"],
            first_name=phonetic["first_name"],
            birth_date=phonetic["birth_date"][:8] + "00",
        )
        rows = self.identify_rows(request)

        def check():
            self.assert_status(request, errors)
            self.assertIn("31009001", self.codes(request))
            self.assertEqual(rows, [])

        record.step(
            "IdentifyPerson phonetic (incomplete date, no tolerance)",
            request,
            check,
            rows=rows,
            codes=self.codes(request),
        )
        tickets.append(request.ticket)

        # 8. Nobody of that name: no match.
        request = self.identify(
            last_name="Qwxzyvonnik", first_name="Zebulon", birth_date="1901-02-03"
        )
        rows = self.identify_rows(request)

        def check():
            self.assert_status(request, errors)
            self.assertIn("32007004", self.codes(request))
            self.assertEqual(rows, [])

        record.step(
            "IdentifyPerson phonetic (no match)",
            request,
            check,
            rows=rows,
            codes=self.codes(request),
        )
        tickets.append(request.ticket)

        # 9. UNREGISTER part of the period: the line is cut in two; none overlaps February now.
        request = self.manage_access(
            "UNREGISTER", main, "1", "2026-02-01", "2026-02-28", proof=False
        )
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(shown, [])

        record.step("UNREGISTER part of the period", request, check, registrations=shown)
        tickets.append(request.ticket)

        # 10. LIST again, each purpose: the two pieces, and the 902 line untouched.
        request = self.manage_access("LIST", main, "1", "2026-01-01", "2026-12-31", proof=False)
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(
                self.spans(shown),
                [("1", "2026-01-01", "2026-01-31"), ("1", "2026-03-01", "2026-06-30")],
            )

        record.step("LIST after the cut (purpose 1)", request, check, registrations=shown)
        record.lines[main["ssin"]] = list(self.spans(shown))
        tickets.append(request.ticket)

        request = self.manage_access("LIST", main, "902", "2026-01-01", "2026-12-31", proof=False)
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("902", "2026-02-01", "2026-02-28")])

        record.step("LIST after the cut (purpose 902)", request, check, registrations=shown)
        record.lines[main["ssin"]] += list(self.spans(shown))
        tickets.append(request.ticket)

        # 10b. REGISTER with an identity card number as the only proof: one the source knows
        #      for the person is accepted, another is refused and registers nothing.
        card = phonetic["identityCardNumber"]
        request = self.manage_access(
            "REGISTER", phonetic, "1", "2026-04-01", "2026-12-31", proof=False, card=card
        )
        shown = self.registrations(request)

        def check():
            self.assertIn(f"<mar:IdentityCardNumber>{card}<", request.request_xml)
            self.assert_status(request, ok)
            self.assertEqual(self.spans(shown), [("1", "2026-04-01", "2026-12-31")])

        record.step("REGISTER with a known identity card", request, check, registrations=shown)
        tickets.append(request.ticket)

        request = self.manage_access(
            "REGISTER",
            phonetic,
            "902",
            "2026-04-01",
            "2026-12-31",
            proof=False,
            card="592000000097",
        )
        shown = self.registrations(request)

        def check():
            self.assert_status(request, errors)
            self.assertEqual(shown, [])

        record.step(
            "REGISTER with an unknown identity card", request, check, codes=self.codes(request)
        )
        tickets.append(request.ticket)

        request = self.manage_access(
            "LIST", phonetic, "902", "2026-01-01", "2026-12-31", proof=False
        )
        shown = self.registrations(request)

        def check():
            self.assert_status(request, ok)
            self.assertEqual(shown, [])

        record.step("LIST purpose 902 (the refused card registered nothing)", request, check)
        record.lines[phonetic["ssin"]] = [("1", "2026-04-01", "2026-12-31")]
        tickets.append(request.ticket)

        # 11. REGISTER a replaced SSIN: applied to the replacement; Lino's user sees a warning
        #     (RAAS's own code, see the integrator guide) and the line. The orchestrator checks
        #     through Consult that the line is the replacement's.
        old, new = persons["replaced"], persons["replacement"]
        request = self.manage_access("REGISTER", old, "1", "2026-01-01", "2026-12-31")
        shown = self.registrations(request)

        def check():
            self.assert_status(request, warnings)
            self.assertTrue([c for c in self.codes(request) if c.startswith("2")], "no warning")
            self.assertIn("replace", request.info_messages.lower())
            self.assertEqual(self.spans(shown), [("1", "2026-01-01", "2026-12-31")])

        record.step(
            "REGISTER a replaced SSIN",
            request,
            check,
            registrations=shown,
            codes=self.codes(request),
        )
        record.lines[new["ssin"]] = list(self.spans(shown))
        tickets.append(request.ticket)

        # Every reply had its own ticket.
        record.tickets = tickets
        self.assertEqual(len(set(tickets)), len(tickets), tickets)
        record.save()


def _text(node, path):
    child = node.childAtPath(path)
    return None if child is None else child.text
