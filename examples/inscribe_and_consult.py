"""Inscribe a person in your register, cut a month out, consult, and clean up, with zeep.

    RAAS_USER=demo-client RAAS_PASSWORD=… python examples/inscribe_and_consult.py SSIN [BASE_URL]

SSIN: one of the persons `raas demo` prints. The demo organisation has typeDossier 902.
"""

import os
import sys
from datetime import date

import zeep
from zeep.wsse.username import UsernameToken

ssin = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("RAAS_URL", "http://127.0.0.1:8080")
register = zeep.Client(
    f"{base}/Register?wsdl",
    wsse=UsernameToken(os.environ["RAAS_USER"], os.environ["RAAS_PASSWORD"]),
).service


def show(operation: str, answer) -> None:  # type: ignore[no-untyped-def]
    status = answer.status
    extra = ", ".join(f"{i.fieldName}={i.fieldValue}" for i in status.information)
    print(f"{operation:10} {status.value:13} {status.code} {extra}")
    for line in answer.inscriptions.inscription if answer.inscriptions else []:
        end = line.period.endDate or "open-ended"
        print(f"{'':10} {line.ssin} {line.typeDossier:6} {line.period.beginDate} .. {end}")


show(
    "Inscribe",
    register.Inscribe(
        ssin=ssin,
        typeDossier="902",
        period={"beginDate": date(2025, 1, 1), "endDate": date(2025, 6, 30)},
    ),
)
show(
    "Inscribe",
    register.Inscribe(  # touches the first line: the two merge into one
        ssin=ssin, typeDossier="902", period={"beginDate": date(2025, 7, 1)}
    ),
)
show(
    "Remove",
    register.Remove(  # cut March out: the line splits in two
        ssin=ssin,
        typeDossier="902",
        period={"beginDate": date(2025, 3, 1), "endDate": date(2025, 3, 31)},
    ),
)
show("Consult", register.Consult(ssin=ssin, period={"beginDate": date(2025, 2, 1)}))
show("Remove", register.Remove(ssin=ssin, typeDossier="902"))  # every line of the key
show("Consult", register.Consult(ssin=ssin))
