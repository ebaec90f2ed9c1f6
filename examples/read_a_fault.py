"""Read a SOAP fault's reasonCode, diagnostic and ticketCBSS with zeep.

    RAAS_USER=demo-client RAAS_PASSWORD=… python examples/read_a_fault.py SSIN [BASE_URL]

A refusal of the business rules is a normal answer whose `status` holds the code; a fault
(MSG00001, MSG00003, MSG00004, MSG00014, MSG00016) is a zeep.exceptions.Fault whose `detail`
holds the contract's `error` element. Try it with a wrong RAAS_PASSWORD: MSG00014.
"""

import os
import sys

import zeep
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

COMMON = "{urn:raas:common:v1}"
ssin = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("RAAS_URL", "http://127.0.0.1:8080")
client = zeep.Client(
    f"{base}/Register?wsdl",
    wsse=UsernameToken(os.environ["RAAS_USER"], os.environ["RAAS_PASSWORD"]),
)
service = client.create_service(next(iter(client.wsdl.bindings)), f"{base}/Register")
try:
    answer = service.Consult(ssin=ssin)
except Fault as fault:
    reason = fault.detail.find(f".//{COMMON}reasonCode").text
    diagnostic = fault.detail.find(f".//{COMMON}diagnostic").text
    ticket = fault.detail.find(f".//{COMMON}ticketCBSS").text
    print(f"FAULT {reason} {diagnostic} ticketCBSS={ticket}")
    sys.exit(3)
print(f"{answer.status.value} {answer.status.code} ticketCBSS={answer.informationCBSS.ticketCBSS}")
