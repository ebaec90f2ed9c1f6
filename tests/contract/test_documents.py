"""The WSDL and XSD documents integrators build their clients from: the committed files are what
the service serves, byte for byte, whatever Host header a request carries."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests
import zeep
from lxml import etree

from raas.config import Settings
from raas.services.documents import WSDL
from raas.wsgi import create_app, service_documents
from tests.conftest import ROOT, call_wsgi

SERVICES = ("Register", "Identification", "LinkRegister", "Admin")
COMMITTED_URL = "http://127.0.0.1:8080"
SOAP_BINDING = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NAMES = sorted(path.name for path in (ROOT / "xsd").glob("*.xsd"))
# Every schema committed under xsd/, in sub-folders too (notification files, SSDN documents).
ALL_XSD_PATHS = sorted(str(p.relative_to(ROOT / "xsd")) for p in (ROOT / "xsd").rglob("*.xsd"))


def committed_wsdl(service: str) -> bytes:
    return (ROOT / "wsdl" / f"{service}.wsdl").read_bytes()


def soap_address(wsdl: bytes) -> str:
    """The one soap:address location of a WSDL."""
    root = etree.fromstring(wsdl, etree.XMLParser(resolve_entities=False, no_network=True))
    (address,) = root.iterfind(f"{{{WSDL}}}service/{{{WSDL}}}port/{{{SOAP_BINDING}}}address")
    return address.get("location")


def zeep_address(client: zeep.Client) -> str:
    (service,) = client.wsdl.services.values()
    (port,) = service.ports.values()
    return port.binding_options["address"]


def zeep_operations(client: zeep.Client) -> set[str]:
    (binding,) = client.wsdl.bindings.values()
    return set(binding.all())


def get_wsgi(app, path: str, query: str = "", host: str = "evil.example") -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """GET straight through a WSGI app (no HTTP server), with the Host header given."""
    return call_wsgi(app, "GET", path, QUERY_STRING=query, HTTP_HOST=host, SERVER_NAME=host)


@pytest.mark.parametrize("service", SERVICES)
def test_the_committed_wsdl_loads_in_zeep(service):
    client = zeep.Client(str(ROOT / "wsdl" / f"{service}.wsdl"))
    assert zeep_address(client) == f"{COMMITTED_URL}/{service}"
    assert zeep_operations(client)


@pytest.mark.parametrize("service", SERVICES)
def test_the_served_wsdl_loads_in_zeep_with_the_same_operations(live_url, service):
    served = zeep.Client(f"{live_url}/{service}?wsdl")
    committed = zeep.Client(str(ROOT / "wsdl" / f"{service}.wsdl"))
    assert zeep_operations(served) == zeep_operations(committed)
    assert zeep_address(served) == f"{COMMITTED_URL}/{service}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_served_wsdl_is_the_committed_file(live_url, service):
    response = requests.get(f"{live_url}/{service}?wsdl", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.content == committed_wsdl(service)


@pytest.mark.parametrize("name", XSD_NAMES)
def test_the_served_xsd_is_the_committed_file(live_url, name):
    response = requests.get(f"{live_url}/xsd/{name}", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.content == (ROOT / "xsd" / name).read_bytes()


@pytest.mark.parametrize("path", ALL_XSD_PATHS)
def test_every_committed_schema_is_served_as_committed(live_url, path):
    response = requests.get(f"{live_url}/xsd/{path}", timeout=10)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.content == (ROOT / "xsd" / path).read_bytes()


def test_the_notification_schemas_written_by_make_wsdl_are_the_committed_ones():
    from raas.services import notification_xsd

    committed = {p.name for p in (ROOT / "xsd" / "notifications").iterdir()}
    assert committed == set(notification_xsd.NAMES)
    for name, content in notification_xsd.schemas().items():
        assert content == (ROOT / "xsd" / "notifications" / name).read_bytes(), name


def test_the_root_lists_the_wsdls_a_person_looks_for(live_url):
    response = requests.get(f"{live_url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    for service in SERVICES:
        assert f'href="{service}?wsdl"' in response.text
    assert 'href="xsd/notifications/NotificationFile.xsd"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/xsd/Nothing.xsd",
        "/xsd/../wsdl/Register.wsdl",
        "/Nothing",
        "/xsd/notifications/../../pyproject.toml",
        "/xsd/notifications/Nothing.xsd",
        "/xsd/notifications/__init__.py",
    ],
)
def test_unknown_documents_are_not_found(live_url, path):
    response = requests.get(f"{live_url}{path}", timeout=10)
    assert response.status_code == 404
    assert "<html" not in response.text.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/xsd/../pyproject.toml",
        "/xsd/../../../../../../etc/passwd",
        "/xsd/%2e%2e/pyproject.toml",
        "/xsd/..%2f..%2fpyproject.toml",
        "/xsd/notifications/../../pyproject.toml",
        "/xsd/notifications/..%2F..%2F..%2Fetc%2Fpasswd",
        "/xsd//etc/passwd",
        "/xsd/ssdn/../../README.md",
    ],
)
def test_a_path_out_of_the_schemas_is_not_found_and_names_no_file(live_url, path):
    """Sent as written (an HTTP library would resolve the dot segments before sending)."""
    host, port = urlsplit(live_url).hostname, urlsplit(live_url).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split()[1] == b"404", answer[:300]
    text = body.decode("utf-8", "replace")
    assert "root:" not in text and "[project]" not in text
    assert str(ROOT) not in text and "site-packages" not in text and "/" not in text, text


@pytest.mark.parametrize("service", SERVICES)
def test_a_spoofed_host_header_gets_the_same_wsdl(live_url, service):
    headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = requests.get(f"{live_url}/{service}?wsdl", headers=headers, timeout=10)
    assert response.content == committed_wsdl(service)
    assert soap_address(response.content) == f"{COMMITTED_URL}/{service}"


def test_the_first_wsdl_request_of_a_new_app_cannot_poison_the_address(session_engine):
    app = create_app(Settings(), engine=session_engine)
    for host in ("evil.example", "other.example:8443"):
        status, body = get_wsgi(app, "/Register", "wsdl", host=host)
        assert status == "200 OK"
        assert body == committed_wsdl("Register")


def test_the_committed_documents_are_what_the_code_generates():
    documents = service_documents(Settings().public_url)
    stale = "the committed WSDL/XSD files differ from the code: run `raas wsdl` and commit them"
    assert sorted(documents) == sorted(SERVICES), stale
    for name, generated in documents.items():
        assert generated.wsdl == committed_wsdl(name), f"wsdl/{name}.wsdl: {stale}"
        for xsd_name, content in generated.xsds.items():
            assert content == (ROOT / "xsd" / xsd_name).read_bytes(), f"xsd/{xsd_name}: {stale}"
    generated_xsds = sorted(n for d in documents.values() for n in d.xsds)
    assert generated_xsds == XSD_NAMES, f"xsd/ holds other files than the code makes: {stale}"


def test_the_public_url_changes_only_the_soap_address(session_engine):
    public_url = "https://raas.example.org"
    app = create_app(Settings(public_url=public_url), engine=session_engine)
    for service in SERVICES:
        committed = committed_wsdl(service)
        assert committed.count(COMMITTED_URL.encode()) == 1
        status, served = get_wsgi(app, f"/{service}", "wsdl")
        assert status == "200 OK"
        assert served == committed.replace(COMMITTED_URL.encode(), public_url.encode())
        assert soap_address(served) == f"{public_url}/{service}"
    for name in XSD_NAMES:
        assert get_wsgi(app, f"/xsd/{name}")[1] == (ROOT / "xsd" / name).read_bytes()


SSDN_WSDLS = {
    "/connectors/webservice/KSZBCSSWebServiceConnectorPort": "KSZBCSSWebServiceConnector.wsdl",
    "/SOA4520/TestConnectionServiceService/sendTestMessage": "TestConnectionService.wsdl",
}


def test_the_committed_ssdn_documents_are_what_the_code_generates():
    from raas.wsgi import ssdn_documents

    stale = "the committed SSDN WSDL/XSD files differ from the code: run `raas wsdl`"
    generated = ssdn_documents(Settings().public_url)
    for name, content in generated.items():
        folder = ROOT / "wsdl" if name.endswith(".wsdl") else ROOT / "xsd" / "ssdn"
        assert content == (folder / name).read_bytes(), f"{name}: {stale}"
    committed = {p.name for p in (ROOT / "xsd" / "ssdn").iterdir()}
    assert committed == {n for n in generated if n.endswith(".xsd")}, stale


def test_the_public_url_changes_only_the_ssdn_soap_address(session_engine):
    public_url = "https://raas.example.org"
    app = create_app(Settings(public_url=public_url), engine=session_engine)
    for path, name in SSDN_WSDLS.items():
        committed = (ROOT / "wsdl" / name).read_bytes()
        assert committed.count(COMMITTED_URL.encode()) == 1
        status, served = get_wsgi(app, path, "wsdl")
        assert status == "200 OK"
        assert served == committed.replace(COMMITTED_URL.encode(), public_url.encode())
        assert soap_address(served) == f"{public_url}{path}"
        client = zeep.Client(str(ROOT / "wsdl" / name))
        assert zeep_address(client) == f"{COMMITTED_URL}{path}"
